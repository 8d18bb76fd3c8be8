// An onnxruntime-node session behind core's NetworkRunner interface. Execution providers: 'cpu'
// by default; 'webgpu', 'cuda', 'dml', 'coreml' when requested and listed by
// ort.listSupportedBackends(); 'gpu' (Cellpose's use_gpu) tries each GPU provider this install can
// load, in GPU_PREFERENCE order. If no session can be created with the provider we fall back to
// the CPU and report a warning instead of failing.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { CPNET_INPUT, CPNET_OUTPUT_FLOWS, CPNET_OUTPUT_STYLE } from '../../core/model/build-cpnet-onnx.ts';
import type { NetworkOutput, NetworkRunner } from '../../core/pipeline/network-runner.ts';
import { BSIZE } from '../../core/transforms/tile-grid.ts';

export type ExecutionProvider = 'cpu' | 'webgpu' | 'cuda' | 'dml' | 'coreml';
/** What a user asks for: one provider, or 'gpu' = whichever GPU provider starts first. */
export type ProviderChoice = ExecutionProvider | 'gpu';
/** Every ProviderChoice, as the CLI's --gpu takes them. */
export const PROVIDER_CHOICES: readonly ProviderChoice[] = ['cpu', 'gpu', 'cuda', 'webgpu', 'dml', 'coreml'];

/** The order 'gpu' tries: the vendor runtimes first (CUDA, DirectML, CoreML), then WebGPU, which
 *  onnxruntime-node bundles on Linux, Windows and macOS and which runs on any Vulkan, D3D12 or
 *  Metal GPU. */
export const GPU_PREFERENCE: readonly ExecutionProvider[] = ['cuda', 'dml', 'coreml', 'webgpu'];

export interface SessionOptions {
  provider?: ProviderChoice;
  /** Threads for one operator; default = CPU cores. */
  intraOpThreads?: number;
  /** On the CPU, the most input pixels (tiles x height x width) one session run takes; a larger
   *  batch is run in pieces, at least one tile each (default CPU_PIXELS_PER_RUN). GPU providers
   *  take a whole batch of 224² tiles (see GPU_LARGE_TILE_PIXELS_PER_RUN). */
  cpuPixelsPerRun?: number;
  /** onnxruntime's memory pattern (default on): it plans one block for a run's whole input shape on
   *  the first run of that shape and allocates it on the second. For fast mode's large one-pass
   *  inputs that block is faulted in afresh: on a 1040² int8 pass the second run took 2.2 s against
   *  1.2 s for later ones, and the process grew from 1.6 to 2.1 GB. Without it, the arena's buffers
   *  of the first run are reused from the second run on (2026-11-27, 2-core AMD EPYC). */
  memPattern?: boolean;
  /** Makes the sessions (default ort.InferenceSession.create); tests stand in failing ones. */
  createSession?: SessionFactory;
}

/** Input pixels per CPU session run: two of Cellpose's 224² tiles. The outputs do not depend on how
 *  tiles are grouped (BatchNorm uses running statistics), but onnxruntime's CPU arena grows with
 *  the largest input: Cellpose's batch_size 8 in one run made a 1024² segmentation peak at about
 *  0.95 GB in the session, runs of 2 tiles at about 0.45 GB, at the same speed per tile
 *  (2026-11-26, 2-core Xeon). Fast mode's large tiles run one at a time. */
export const CPU_PIXELS_PER_RUN = 2 * BSIZE * BSIZE;

/** On GPU providers a batch of Cellpose's 224² tiles (any batch_size) runs whole, as in Cellpose,
 *  but fast mode's large tiles (up to 1040²) run only as many at a time as fit the pixels of
 *  Cellpose's default batch of 8 tiles, so --fast asks no more GPU memory than about 8 x 224²
 *  (at least one tile). */
const GPU_LARGE_TILE_PIXELS_PER_RUN = 8 * BSIZE * BSIZE;

export function availableProviders(): string[] {
  return ort.listSupportedBackends().map((b) => b.name);
}

/** File names of the provider libraries that onnxruntime-node's installer downloads on demand
 *  (CUDA on Linux and Windows): listSupportedBackends names them with bundled: false even when
 *  the library is absent, as it is with onnxruntime-node-install=skip. */
const DOWNLOADED_PROVIDER_LIBS: Partial<Record<ExecutionProvider, string[]>> = {
  cuda: ['libonnxruntime_providers_cuda.so', 'onnxruntime_providers_cuda.dll'],
};

/** Folder of onnxruntime-node's native binding (where its installer puts provider libraries). */
function bindingDir(): string | null {
  try {
    const entry = createRequire(import.meta.url).resolve('onnxruntime-node');
    return path.join(path.dirname(entry), '..', 'bin', 'napi-v6', process.platform, process.arch);
  } catch {
    return null;
  }
}

/** The GPU providers worth trying here, in GPU_PREFERENCE order: listed by onnxruntime-node, and
 *  either bundled or with their downloaded library present (a missing CUDA library would only
 *  make onnxruntime print an error before we fall back). */
export function gpuCandidates(): ExecutionProvider[] {
  const listed = new Map(ort.listSupportedBackends().map((b) => [b.name, b.bundled]));
  const dir = bindingDir();
  return GPU_PREFERENCE.filter((p) => {
    if (!listed.has(p)) return false;
    const libs = DOWNLOADED_PROVIDER_LIBS[p];
    if (listed.get(p) === true || !libs) return true;
    return dir === null || libs.some((f) => existsSync(path.join(dir, f)));
  });
}

/** What OrtNetwork needs of a session (tests stand in a failing one). */
export type NetworkSession = Pick<ort.InferenceSession, 'run' | 'release'>;
export type SessionFactory = (onnxBytes: Uint8Array, options: ort.InferenceSession.SessionOptions) => Promise<NetworkSession>;

export class OrtNetwork implements NetworkRunner {
  /** Warnings of runs since the last takeRunWarnings(): a GPU provider that failed mid-run. */
  private runWarnings: string[] = [];

  private constructor(
    private session: NetworkSession,
    readonly nchan: number,
    readonly nout: number,
    readonly styleDim: number,
    private provider: ExecutionProvider,
    /** Warnings of the session's start (a provider that could not start). */
    readonly warnings: string[],
    /** A CPU session of the same graph, for a GPU provider that fails during a run. */
    private readonly startCpu: () => Promise<NetworkSession>,
    /** Most input pixels per CPU session run. */
    private readonly cpuPixelsPerRun: number,
  ) {}

  /** The provider the session runs on now (the CPU after a GPU provider failed mid-run). */
  get providerUsed(): ExecutionProvider {
    return this.provider;
  }

  static async create(onnxBytes: Uint8Array, dims: { nchan: number; nout: number; styleDim: number }, opts: SessionOptions = {}): Promise<OrtNetwork> {
    const threads = opts.intraOpThreads ?? Math.max(1, os.availableParallelism?.() ?? os.cpus().length);
    const base: ort.InferenceSession.SessionOptions = {
      graphOptimizationLevel: 'all',
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      enableMemPattern: opts.memPattern ?? true,
    };
    const createSession: SessionFactory = opts.createSession ?? ((bytes, o) => ort.InferenceSession.create(bytes, o));
    const cpuPixels = opts.cpuPixelsPerRun ?? CPU_PIXELS_PER_RUN;
    const startCpu = (): Promise<NetworkSession> => createSession(onnxBytes, { ...base, executionProviders: ['cpu'] });
    const warnings: string[] = [];
    const make = (s: NetworkSession, p: ExecutionProvider): OrtNetwork =>
      new OrtNetwork(s, dims.nchan, dims.nout, dims.styleDim, p, warnings, startCpu, cpuPixels);
    /** A session on a GPU provider (operators it lacks run on the CPU provider). */
    const onGpu = async (p: ExecutionProvider): Promise<OrtNetwork> => make(await createSession(onnxBytes, { ...base, executionProviders: [p, 'cpu'] }), p);
    const wanted = opts.provider ?? 'cpu';
    if (wanted === 'gpu') {
      const tried: string[] = [];
      for (const p of gpuCandidates()) {
        try {
          return await onGpu(p);
        } catch (e) {
          tried.push(`${p}: ${firstLine(e)}`);
        }
      }
      warnings.push(
        tried.length > 0
          ? `no GPU execution provider could start (${tried.join('; ')}); using the CPU`
          : `no GPU execution provider is installed here (onnxruntime-node has: ${availableProviders().join(', ')}); using the CPU`,
      );
    } else if (wanted !== 'cpu') {
      const names = availableProviders();
      if (!names.includes(wanted)) {
        warnings.push(`execution provider '${wanted}' is not available here (have: ${names.join(', ')}); using the CPU`);
      } else {
        try {
          return await onGpu(wanted);
        } catch (e) {
          warnings.push(`could not start '${wanted}' (${firstLine(e)}); using the CPU`);
        }
      }
    }
    return make(await startCpu(), 'cpu');
  }

  /** One batch. If a GPU provider fails on it (a lost device, GPU memory exhausted), the network
   *  goes on with a CPU session of the same graph from this batch on, and says so through
   *  takeRunWarnings: the run finishes instead of failing. */
  async run(batch: Float32Array, shape: [number, number, number, number]): Promise<NetworkOutput> {
    try {
      return await this.runBatch(batch, shape);
    } catch (e) {
      if (this.provider === 'cpu') throw e;
      const failed = this.provider;
      const cpu = await this.startCpu();
      const old = this.session;
      this.session = cpu;
      this.provider = 'cpu';
      await old.release().catch(() => undefined);
      this.runWarnings.push(`the '${failed}' execution provider failed during a run (${firstLine(e)}); continuing on the CPU`);
      return this.runBatch(batch, shape);
    }
  }

  /** The warnings of runs since the last call, and forget them. */
  takeRunWarnings(): string[] {
    const w = this.runWarnings;
    this.runWarnings = [];
    return w;
  }

  private async runBatch(batch: Float32Array, shape: [number, number, number, number]): Promise<NetworkOutput> {
    const [n, c, h, w] = shape;
    const wholeBatch = this.provider !== 'cpu' && h * w <= BSIZE * BSIZE;
    // most input pixels per session run (GPU providers: for tiles larger than 224² only)
    const pixelsPerRun = this.provider === 'cpu' ? this.cpuPixelsPerRun : GPU_LARGE_TILE_PIXELS_PER_RUN;
    const tilesPerRun = wholeBatch ? n : Math.max(1, Math.floor(pixelsPerRun / (h * w)));
    if (n <= tilesPerRun) return this.runOnce(batch, shape);
    const flows = new Float32Array(n * this.nout * h * w);
    const style = new Float32Array(n * this.styleDim);
    for (let k = 0; k < n; k += tilesPerRun) {
      const m = Math.min(tilesPerRun, n - k);
      const part = await this.runOnce(batch.subarray(k * c * h * w, (k + m) * c * h * w), [m, c, h, w]);
      flows.set(part.flows, k * this.nout * h * w);
      style.set(part.style, k * this.styleDim);
    }
    return { flows, style };
  }

  private async runOnce(batch: Float32Array, shape: [number, number, number, number]): Promise<NetworkOutput> {
    const r = await this.session.run({ [CPNET_INPUT]: new ort.Tensor('float32', batch, shape) });
    const flows = r[CPNET_OUTPUT_FLOWS].data;
    const style = r[CPNET_OUTPUT_STYLE].data;
    if (!(flows instanceof Float32Array) || !(style instanceof Float32Array)) throw new Error('network returned non-float32 outputs');
    return { flows, style };
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

/** The first line of an error, without onnxruntime's source-file prefix: its messages run to
 *  several lines of build paths. */
function firstLine(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  const line = text.split('\n')[0].trim();
  const m = /\)::<lambda\(\)> .*? was false\. (.*)$/.exec(line) ?? /^\/\S+:\d+ (.*)$/.exec(line);
  return (m ? m[1] : line).slice(0, 300);
}
