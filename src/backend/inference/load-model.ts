// Load a Cellpose 3 checkpoint for inference: read the state dict, build (or reuse) the ONNX
// graph, and the size model `<path>_size.npy` when present. The converted graph is cached beside
// the model as `<model>.<sha256-16 of the checkpoint>.onnx` (atomic write); a read-only folder
// just means no cache.
import { createHash } from 'node:crypto';
import { existsSync, statSync, accessSync, constants as fsConstants } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { writeFileAtomic } from '../io/atomic-write.ts';
import { studioHome } from '../settings/settings-store.ts';
import { isZooName, zooDiamMeanPx } from '../models/zoo-catalogue.ts';
import { readTorchStateDict, readTorchStateDictHeaders } from '../../core/io/torch-checkpoint.ts';
import { buildCpnetOnnx } from '../../core/model/build-cpnet-onnx.ts';
import { describeCpnet, type CpnetSpec } from '../../core/model/cpnet-spec.ts';
import type { ModelInfo, SizeModel } from '../../core/pipeline/segment.ts';
import { FormatError } from '../../core/errors.ts';

export interface LoadedModel {
  path: string;
  onnxBytes: Uint8Array;
  spec: CpnetSpec;
  info: ModelInfo;
  /** Where the ONNX cache is (undefined when it could not be written). */
  onnxCachePath?: string;
  warnings: string[];
}

/**
 * diam_mean as Cellpose 3.1's CellposeModel takes it (models.get_model_params): a model chosen by
 * a name of its zoo (MODEL_NAMES: cyto3, nuclei, the *_cp3 styles, cyto2, cyto, the legacy ones)
 * is built in, with diam_mean fixed by name, 17 for nuclei and 30 for the rest, whatever the file
 * says; so is a file path ending in nucleitorch_0 (17). Any other model (a path, a user model
 * listed in gui_models.txt, the bundled one) takes diam_mean from the file, 30 when it has none.
 * (Checked against Cellpose 3.1.1.3 with a diam_mean-17 checkpoint saved as tissuenet_cp3: it ran
 * at 30.)
 */
function builtinDiamMeanPx(builtinName: string | undefined, path: string): number | null {
  if (builtinName !== undefined && isZooName(builtinName)) return zooDiamMeanPx(builtinName);
  return path.endsWith('nucleitorch_0') ? 17 : null;
}

export type SizeModelReader = (bytes: Uint8Array) => SizeModel;

/** True when we may write into `dir`. Root passes every access() check, so a folder with no write
 *  bits at all (a read-only share such as a dataset or fixtures folder) also counts as read-only:
 *  the ONNX cache then goes to the per-user cache instead of polluting it. */
function folderWritable(dir: string): boolean {
  try {
    accessSync(dir, fsConstants.W_OK);
    return (statSync(dir).mode & 0o222) !== 0;
  } catch {
    return false;
  }
}

/** Where the converted graph of `modelPath` is cached: beside the model (as the models folder
 *  keeps it) when that folder is writable, else `<studio home>/onnx-cache`. */
export function defaultOnnxCacheDir(modelPath: string): string {
  const dir = dirname(modelPath);
  return folderWritable(dir) ? dir : join(studioHome(), 'onnx-cache');
}

export interface LoadModelOptions {
  readSizeModel?: SizeModelReader;
  /** Zoo name when the file is a built-in model (diam_mean rule). */
  builtinName?: string;
  /** The size model when it is not `<path>_size.npy` (Cellpose's zoo files are `size_<name>.npy`). */
  sizeModelPath?: string;
  /** Folder for the converted .onnx: undefined = beside the model when writable (else the per-user
   *  cache), null = no disk cache. */
  cacheDir?: string | null;
}

export async function loadCellposeModel(path: string, opts: LoadModelOptions = {}): Promise<LoadedModel> {
  const warnings: string[] = [];
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(path));
  } catch (e) {
    throw new FormatError(`cannot read model file (${e instanceof Error ? e.message : String(e)})`, path);
  }
  // The shapes and diameters come from the tensor headers; the weights are decoded only when the
  // graph has to be built (no cached .onnx for these exact bytes).
  let spec: CpnetSpec;
  try {
    spec = describeCpnet(readTorchStateDictHeaders(bytes));
  } catch (e) {
    throw new FormatError(e instanceof Error ? e.message : String(e), path);
  }
  const hash = createHash('sha256').update(bytes).digest('hex').slice(0, 16);
  const cacheDir = opts.cacheDir === undefined ? defaultOnnxCacheDir(path) : opts.cacheDir;
  const cachePath = cacheDir === null ? null : join(cacheDir, `${basename(path)}.${hash}.onnx`);
  let onnxBytes: Uint8Array | undefined;
  let onnxCachePath: string | undefined;
  if (cachePath && existsSync(cachePath)) {
    onnxBytes = new Uint8Array(await readFile(cachePath));
    onnxCachePath = cachePath;
  } else {
    try {
      onnxBytes = buildCpnetOnnx(readTorchStateDict(bytes).tensors);
    } catch (e) {
      throw new FormatError(e instanceof Error ? e.message : String(e), path);
    }
    if (cachePath) {
      try {
        await mkdir(dirname(cachePath), { recursive: true });
        await writeFileAtomic(cachePath, onnxBytes);
        onnxCachePath = cachePath;
      } catch {
        warnings.push(`could not cache the converted model at ${cachePath} (folder not writable)`);
      }
    }
  }
  const name = opts.builtinName ?? basename(path);
  // Built-in models: diam_mean fixed by name (30, 17 for nuclei), diam_labels from the file.
  const diamMeanPx = builtinDiamMeanPx(opts.builtinName, path) ?? spec.diamMeanPx ?? 30;
  const diamLabelsPx = spec.diamLabelsPx ?? diamMeanPx;
  const sizeModelPath = opts.sizeModelPath ?? `${path}_size.npy`;
  let sizeModel: SizeModel | null = null;
  if (opts.readSizeModel && existsSync(sizeModelPath)) {
    try {
      sizeModel = opts.readSizeModel(new Uint8Array(await readFile(sizeModelPath)));
    } catch (e) {
      warnings.push(`size model ${sizeModelPath} could not be read: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return { path, onnxBytes, spec, info: { name, diamMeanPx, diamLabelsPx, sizeModel, sizeModelPath }, onnxCachePath, warnings };
}
