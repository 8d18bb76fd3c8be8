// The model registry: the bundled default model, the Cellpose zoo (downloaded on first use into
// Cellpose's own models folder) and user models listed in gui_models.txt. Plain Node, no electron.
import { existsSync } from 'node:fs';
import { stat, unlink } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import type { ModelInfoDto } from '../../shared/contract.ts';
import { copyFileAtomic } from '../io/atomic-write.ts';
import { resourcesFolder } from '../io/resources-folder.ts';
import { ModelDownloadError, type DownloadOptions, type DownloadProgress } from './download-file.ts';
import { readModelMetadata, type ModelFileMetadata } from './model-metadata.ts';
import { addGuiModel, defaultModelsFolder, ensureFolder, readGuiModels } from './models-folder.ts';
import { downloadShared } from './shared-download.ts';
import { DEFAULT_MODEL_BASE_URL, isZooName, ZOO_MODELS, zooBasename, zooDiamMeanPx, zooEntry, zooSizeModelBasename, zooUrl } from './zoo-catalogue.ts';

/** The model this project trains and ships (resources/models/cpsd_nuclei_v1, see MODEL_CARD.md). */
export const BUNDLED_MODEL_NAME = 'cpsd_nuclei_v1';

export interface ZooOptions {
  /** Default: $CELLPOSE_LOCAL_MODELS_PATH, else ~/.cellpose/models. */
  modelsFolder?: string;
  /** Default: $CELLPOSE_STUDIO_MODEL_BASE_URL, else https://www.cellpose.org/models. */
  baseUrl?: string;
  /** Folder of the shipped model. Default: $CELLPOSE_STUDIO_BUNDLED_MODELS, else <repo>/resources/models. */
  bundledFolder?: string;
  env?: NodeJS.ProcessEnv;
  /** Retry / timeout settings for downloads (tests shorten the back-off). */
  download?: Pick<DownloadOptions, 'retries' | 'backoffMs' | 'idleTimeoutMs' | 'maxBytes'>;
}

export interface ModelInfo extends ModelInfoDto {
  /** The zoo name for built-ins, else null. */
  builtinName: string | null;
  description: string;
  /** Download address of a zoo model. */
  url: string | null;
  sizeModelPath: string | null;
  nOut: number | null;
  /** Why an installed file could not be read (then the numeric fields are null). */
  problem: string | null;
}

export interface ResolveOptions {
  /** Download a missing zoo model (default true). */
  download?: boolean;
  onProgress?: DownloadProgress;
  signal?: AbortSignal;
  /** Known sha256 of the weights file, checked after download. */
  sha256?: string;
  /** Also fetch a zoo model's size model when missing (default true; convert does not need it). */
  sizeModel?: boolean;
}

export interface ResolvedModel {
  name: string;
  kind: 'bundled' | 'zoo' | 'custom';
  path: string;
  /** Size model file when one is present. */
  sizeModelPath?: string;
  /** Built-ins: 30, or 17 for nuclei (not read from the file); others: from the file, else 30. */
  diamMeanPx: number;
  diamLabelsPx: number | null;
  nChannels: number | null;
  builtinName?: string;
  /** Non-fatal problems, e.g. the size model could not be downloaded. */
  warnings: string[];
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** A model name or path that names nothing: not a file, not in the models folder, not built in. */
export class UnknownModelError extends Error {
  override name = 'UnknownModelError';
}

export class ModelZoo {
  readonly modelsFolder: string;
  readonly baseUrl: string;
  readonly bundledFolder: string;
  private readonly downloadOptions: ZooOptions['download'];

  constructor(opts: ZooOptions = {}) {
    const env = opts.env ?? process.env;
    this.modelsFolder = opts.modelsFolder ?? defaultModelsFolder(env);
    this.baseUrl = opts.baseUrl ?? (env.CELLPOSE_STUDIO_MODEL_BASE_URL || DEFAULT_MODEL_BASE_URL);
    this.bundledFolder = opts.bundledFolder ?? (env.CELLPOSE_STUDIO_BUNDLED_MODELS || resourcesFolder('models'));
    this.downloadOptions = opts.download;
  }

  get bundledPath(): string {
    return join(this.bundledFolder, BUNDLED_MODEL_NAME);
  }

  private async describe(path: string): Promise<{ meta: ModelFileMetadata | null; problem: string | null }> {
    try {
      return { meta: await readModelMetadata(path), problem: null };
    } catch (e) {
      return { meta: null, problem: `${path}: ${message(e)}` };
    }
  }

  private async bundledInfo(): Promise<ModelInfo> {
    const path = this.bundledPath;
    const installed = await isFile(path);
    const { meta, problem } = installed ? await this.describe(path) : { meta: null, problem: `${path} is missing` };
    return {
      name: BUNDLED_MODEL_NAME,
      kind: 'bundled',
      installed,
      path: installed ? path : null,
      nChannels: meta?.nChannels ?? null,
      nOut: meta?.nOut ?? null,
      diamMean: meta ? (meta.diamMeanPx ?? 30) : null,
      diamLabels: meta?.diamLabelsPx ?? null,
      hasSizeModel: await isFile(`${path}_size.npy`),
      sizeModelPath: (await isFile(`${path}_size.npy`)) ? `${path}_size.npy` : null,
      builtinName: null,
      description: 'Cellpose Studio nuclei model, trained on DSB2018 (bundled, works offline)',
      url: null,
      problem,
    };
  }

  private async zooInfo(name: string): Promise<ModelInfo> {
    const base = zooBasename(name);
    const path = join(this.modelsFolder, base);
    const installed = await isFile(path);
    const { meta, problem } = installed ? await this.describe(path) : { meta: null, problem: null };
    const sizeBase = zooSizeModelBasename(name);
    const sizePath = sizeBase ? join(this.modelsFolder, sizeBase) : null;
    const hasSize = sizePath !== null && (await isFile(sizePath));
    return {
      name,
      kind: 'zoo',
      installed,
      path: installed ? path : null,
      // Every released Cellpose 3 segmentation model takes 2 channels (ALGORITHMS.md 1.1).
      nChannels: meta?.nChannels ?? (problem ? null : 2),
      nOut: meta?.nOut ?? null,
      diamMean: zooDiamMeanPx(name),
      diamLabels: meta?.diamLabelsPx ?? null,
      hasSizeModel: hasSize,
      sizeModelPath: hasSize ? sizePath : null,
      builtinName: name,
      description: zooEntry(name)?.description ?? '',
      url: zooUrl(this.baseUrl, base),
      problem,
    };
  }

  private customPath(entry: string): string {
    // gui_models.txt holds file names inside the models folder; accept absolute paths as well.
    return entry.startsWith('/') || /^[A-Za-z]:[\\/]/.test(entry) ? entry : join(this.modelsFolder, entry);
  }

  private async customInfo(entry: string): Promise<ModelInfo> {
    const path = this.customPath(entry);
    const installed = await isFile(path);
    const { meta, problem } = installed ? await this.describe(path) : { meta: null, problem: `${path} is missing` };
    const sizePath = `${path}_size.npy`;
    const hasSize = await isFile(sizePath);
    return {
      name: basename(entry),
      kind: 'custom',
      installed,
      path: installed ? path : null,
      nChannels: meta?.nChannels ?? null,
      nOut: meta?.nOut ?? null,
      diamMean: meta ? (meta.diamMeanPx ?? (meta.format === 'torch' ? 30 : null)) : null,
      diamLabels: meta?.diamLabelsPx ?? null,
      hasSizeModel: hasSize,
      sizeModelPath: hasSize ? sizePath : null,
      builtinName: null,
      description: meta?.format === 'onnx' ? 'user model (ONNX)' : 'user model',
      url: null,
      problem,
    };
  }

  /** Bundled model, every zoo model (installed or not; legacy ones only when installed), user models. */
  async listModels(): Promise<ModelInfo[]> {
    const out: ModelInfo[] = [await this.bundledInfo()];
    for (const z of ZOO_MODELS) {
      const info = await this.zooInfo(z.name);
      if (!z.legacy || info.installed) out.push(info);
    }
    const seen = new Set(out.map((m) => m.name));
    for (const entry of await readGuiModels(this.modelsFolder)) {
      const info = await this.customInfo(entry);
      if (seen.has(info.name)) continue;
      seen.add(info.name);
      out.push(info);
    }
    return out;
  }

  /** The shipped model: what the app and CLI use when no model is chosen (works offline). */
  async defaultModel(): Promise<ResolvedModel> {
    const info = await this.bundledInfo();
    if (!info.installed || info.problem) {
      throw new Error(`the bundled model is unusable (${info.problem ?? 'missing'}); reinstall Cellpose Studio or choose another model`);
    }
    return {
      name: BUNDLED_MODEL_NAME,
      kind: 'bundled',
      path: this.bundledPath,
      sizeModelPath: info.sizeModelPath ?? undefined,
      diamMeanPx: info.diamMean ?? 17,
      diamLabelsPx: info.diamLabels,
      nChannels: info.nChannels,
      warnings: [],
    };
  }

  /**
   * A zoo name, the bundled name (or '' / 'default'), a user model name from gui_models.txt, or a
   * path to a model file. Zoo models are downloaded when missing (unless `download: false`).
   */
  async resolveModel(nameOrPath: string, opts: ResolveOptions = {}): Promise<ResolvedModel> {
    const key = nameOrPath.trim();
    if (key === '' || key === 'default' || key === BUNDLED_MODEL_NAME) return this.defaultModel();
    if (isZooName(key)) return this.resolveZoo(key, opts);
    const asPath = resolve(key);
    if (await isFile(asPath)) return this.resolveCustom(asPath);
    const inFolder = join(this.modelsFolder, basename(key));
    if (basename(key) === key && (await isFile(inFolder))) return this.resolveCustom(inFolder);
    const zoo = ZOO_MODELS.filter((z) => !z.legacy).map((z) => z.name).join(', ');
    throw new UnknownModelError(`unknown model '${key}': not a file, not in ${this.modelsFolder}, and not a built-in name (${BUNDLED_MODEL_NAME}, ${zoo})`);
  }

  private async resolveCustom(path: string): Promise<ResolvedModel> {
    let meta: ModelFileMetadata;
    try {
      meta = await readModelMetadata(path);
    } catch (e) {
      throw new Error(`${path}: not a usable Cellpose model (${message(e)})`);
    }
    const sizePath = `${path}_size.npy`;
    // Cellpose's rule for files that are not built-in names: both diameters come from the file.
    // A path ending in nucleitorch_0 is treated as the nuclei built-in (diam_mean 17) upstream.
    const diamMeanPx = path.endsWith('nucleitorch_0') ? 17 : (meta.diamMeanPx ?? 30);
    return {
      name: basename(path),
      kind: 'custom',
      path,
      sizeModelPath: (await isFile(sizePath)) ? sizePath : undefined,
      diamMeanPx,
      diamLabelsPx: meta.diamLabelsPx,
      nChannels: meta.nChannels,
      warnings: [],
    };
  }

  private async resolveZoo(name: string, opts: ResolveOptions): Promise<ResolvedModel> {
    const base = zooBasename(name);
    const path = join(this.modelsFolder, base);
    const url = zooUrl(this.baseUrl, base);
    const warnings: string[] = [];
    let downloadedNow = false;
    if (!(await isFile(path))) {
      if (opts.download === false) {
        throw new Error(`model '${name}' is not installed; download ${url} and save it as ${path}`);
      }
      await ensureFolder(this.modelsFolder);
      await downloadShared(url, path, { ...this.downloadOptions, onProgress: opts.onProgress, signal: opts.signal, sha256: opts.sha256 });
      downloadedNow = true;
    }
    let meta: ModelFileMetadata;
    try {
      meta = await readModelMetadata(path);
    } catch (e) {
      // A server can answer 200 with something else (an error page): never keep that as the model.
      if (downloadedNow) await unlink(path).catch(() => undefined);
      const advice = downloadedNow ? 'the download was deleted' : 'delete it and try again';
      throw new ModelDownloadError(`${path} is not a usable Cellpose model (${message(e)}); ${advice}`, url, path, 'corrupt');
    }
    const sizeBase = zooSizeModelBasename(name);
    let sizeModelPath: string | undefined;
    if (sizeBase) {
      const sizePath = join(this.modelsFolder, sizeBase);
      if (!(await isFile(sizePath)) && opts.download !== false && opts.sizeModel !== false) {
        try {
          await downloadShared(zooUrl(this.baseUrl, sizeBase), sizePath, { ...this.downloadOptions, signal: opts.signal });
        } catch (e) {
          // The size model only serves diameter estimation; segmentation works without it.
          warnings.push(`size model not available: ${message(e)}`);
        }
      }
      if (await isFile(sizePath)) sizeModelPath = sizePath;
    }
    return {
      name,
      kind: 'zoo',
      path,
      sizeModelPath,
      diamMeanPx: zooDiamMeanPx(name),
      diamLabelsPx: meta.diamLabelsPx,
      nChannels: meta.nChannels,
      builtinName: name,
      warnings,
    };
  }

  /**
   * Copy a user model (.pth / extensionless torch file / .onnx) into the models folder and add it to
   * gui_models.txt, as Cellpose's "Add custom torch model to GUI" does (GUI A.15). Its `_size.npy`
   * comes along when present.
   */
  async importModel(path: string): Promise<ModelInfo> {
    const src = resolve(path);
    if (!(await isFile(src))) throw new Error(`${src}: no such model file`);
    try {
      await readModelMetadata(src);
    } catch (e) {
      throw new Error(`${src}: not a usable Cellpose model (${message(e)})`);
    }
    const name = basename(src);
    if (name === BUNDLED_MODEL_NAME || ZOO_MODELS.some((z) => zooBasename(z.name) === name || zooSizeModelBasename(z.name) === name)) {
      throw new Error(`${src}: the name '${name}' is reserved for a built-in model; rename the file before importing it`);
    }
    await ensureFolder(this.modelsFolder);
    const dest = join(this.modelsFolder, name);
    if (resolve(dest) !== src) {
      await copyFileAtomic(src, dest);
      if (existsSync(`${src}_size.npy`)) await copyFileAtomic(`${src}_size.npy`, `${dest}_size.npy`);
    }
    await addGuiModel(this.modelsFolder, name);
    return this.customInfo(name);
  }
}

/** Registry with the default locations (environment variables honoured at each call). */
export function defaultZoo(opts: ZooOptions = {}): ModelZoo {
  return new ModelZoo(opts);
}

export function listModels(opts: ZooOptions = {}): Promise<ModelInfo[]> {
  return new ModelZoo(opts).listModels();
}

export function resolveModel(nameOrPath: string, opts: ResolveOptions & { zoo?: ZooOptions } = {}): Promise<ResolvedModel> {
  return new ModelZoo(opts.zoo).resolveModel(nameOrPath, opts);
}

export function importModel(path: string, opts: ZooOptions = {}): Promise<ModelInfo> {
  return new ModelZoo(opts).importModel(path);
}

export function defaultModel(opts: ZooOptions = {}): Promise<ResolvedModel> {
  return new ModelZoo(opts).defaultModel();
}
