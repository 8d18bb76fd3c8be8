// The backend API of the Cellpose engine: one long-lived worker thread owning the ONNX session.
// Calls are queued in order; progress arrives per batch of tiles; cancel (AbortSignal) sets a
// shared flag the worker reads between batches and dynamics stages.
//
//   const svc = createInferenceService({ provider: 'cpu' });
//   await svc.loadModel('/path/to/cp3_nuclei_dsb2018');
//   const r = await svc.segment('/path/img.tif', { diameterPx: 24 }, (p) => ..., abortSignal);
//   await svc.dispose();
import type { Worker } from 'node:worker_threads';
import type { ImageStack } from '../../core/io/image-types.ts';
import type { SegmentOptions } from '../../core/pipeline/segment-options.ts';
import type { SegmentProgress, SegmentResult } from '../../core/pipeline/segment.ts';
import { spawnWorker } from '../workers/spawn.ts';
import type { ExecutionProvider, ProviderChoice } from './ort-network.ts';
import type { ModelSummary, SegmentInput, WorkerReply, WorkerRequest } from './worker-protocol.ts';

export type { ModelSummary, SegmentInput };

export interface InferenceServiceOptions {
  /** The default provider of loadModel ('cpu' when unset). */
  provider?: ProviderChoice;
  intraOpThreads?: number;
  /** Where converted .onnx files go: undefined = beside the model, null = no disk cache. */
  cacheDir?: string | null;
  /** 'prestart' (default; the GUI, a CLI run of many images): the dynamics workers start with the
   *  model, during the first network pass. 'lazy' (a CLI run of one image): they start only for an
   *  image whose dynamics will repay their start-up (pool-masks.ts). */
  dynamicsPool?: 'prestart' | 'lazy';
}

export interface InferenceService {
  /** `sizeModelPath`: where the size model is when it is not `<path>_size.npy` (zoo models keep
   *  Cellpose's `size_<basename>.npy` in the models folder). `provider` overrides the service's
   *  default for this model's session. */
  loadModel(path: string, opts?: { builtinName?: string; sizeModelPath?: string; provider?: ProviderChoice; orthoPath?: string }): Promise<ModelSummary>;
  /** Segment a file (decoded in the worker; the decoded image is returned too) or an ImageStack
   *  (copied to the worker). */
  segment(
    input: string | SegmentInput | ImageStack,
    options: Partial<SegmentOptions>,
    onProgress?: (p: SegmentProgress) => void,
    signal?: AbortSignal,
  ): Promise<SegmentResult & { image?: ImageStack; providerUsed: ExecutionProvider; int8Network: boolean }>;
  dispose(): Promise<void>;
}

interface Pending {
  resolve: (r: WorkerReply) => void;
  reject: (e: Error) => void;
  onProgress?: (p: SegmentProgress) => void;
}

export function createInferenceService(opts: InferenceServiceOptions = {}): InferenceService {
  let worker: Worker | null = null;
  let nextId = 1;
  const pending = new Map<number, Pending>();

  const failAll = (e: Error): void => {
    for (const p of pending.values()) p.reject(e);
    pending.clear();
    worker = null;
  };

  const ensureWorker = (): Worker => {
    if (worker) return worker;
    const w = spawnWorker(new URL('./inference-worker.ts', import.meta.url));
    w.on('message', (msg: WorkerReply) => {
      const p = pending.get(msg.id);
      if (!p) return;
      if (msg.type === 'progress') {
        p.onProgress?.({ fraction: msg.fraction, stage: msg.stage });
        return;
      }
      pending.delete(msg.id);
      if (msg.type === 'error') {
        const e = new Error(msg.error.message);
        e.name = msg.error.name;
        p.reject(e);
      } else p.resolve(msg);
    });
    w.on('error', (e) => failAll(e instanceof Error ? e : new Error(String(e))));
    w.on('exit', (code) => {
      if (pending.size > 0) failAll(new Error(`inference worker exited (code ${code})`));
      worker = null;
    });
    worker = w;
    return w;
  };

  const request = (msg: WorkerRequest, onProgress?: (p: SegmentProgress) => void, transfer: ArrayBuffer[] = []): Promise<WorkerReply> =>
    new Promise((resolve, reject) => {
      pending.set(msg.id, { resolve, reject, onProgress });
      ensureWorker().postMessage(msg, transfer);
    });

  return {
    async loadModel(path, o = {}) {
      const r = await request({ type: 'load', id: nextId++, path, builtinName: o.builtinName, sizeModelPath: o.sizeModelPath, orthoPath: o.orthoPath, provider: o.provider ?? opts.provider ?? 'cpu', intraOpThreads: opts.intraOpThreads, cacheDir: opts.cacheDir, prestartPool: opts.dynamicsPool !== 'lazy' });
      if (r.type !== 'loaded') throw new Error(`unexpected reply ${r.type}`);
      return r.model;
    },

    async segment(input, options, onProgress, signal) {
      if (signal?.aborted) throw Object.assign(new Error('cancelled'), { name: 'AbortError' });
      const cancelFlag = new SharedArrayBuffer(4);
      const flag = new Int32Array(cancelFlag);
      const onAbort = (): void => {
        Atomics.store(flag, 0, 1);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const image = typeof input === 'string' ? { path: input } : input;
      try {
        const r = await request({ type: 'segment', id: nextId++, image, options, cancelFlag }, onProgress);
        if (r.type !== 'segmented') throw new Error(`unexpected reply ${r.type}`);
        return { ...r.result, image: r.image, providerUsed: r.providerUsed, int8Network: r.int8Network };
      } finally {
        signal?.removeEventListener('abort', onAbort);
      }
    },

    async dispose() {
      const w = worker;
      if (!w) return;
      await request({ type: 'dispose', id: nextId++ }).catch(() => undefined);
      await w.terminate();
      worker = null;
    },
  };
}
