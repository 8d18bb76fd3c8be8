// The inference worker: owns the onnxruntime session for its whole life and runs whole
// segmentations (preprocessing, tiled network, dynamics) so the main thread never blocks on
// numeric work. Cancellation is a shared flag, honoured between network batches and dynamics
// stages.
import { readFile } from 'node:fs/promises';
import { totalmem } from 'node:os';
import { basename } from 'node:path';
import { parentPort } from 'node:worker_threads';
import { decodeImage } from '../../core/io/decode-image.ts';
import type { ImageStack } from '../../core/io/image-types.ts';
import { segment, type SegmentNetwork, type SegmentResult } from '../../core/pipeline/segment.ts';
import { loadCellposeModel } from './load-model.ts';
import { checkSegmentMemory } from './memory-check.ts';
import { OrtNetwork } from './ort-network.ts';
import type { WorkerReply, WorkerRequest } from './worker-protocol.ts';
import { sizeModelReader } from './size-model-hook.ts';
import { closePool, poolDeps, startPool } from './pool-masks.ts';

const port = parentPort;
if (!port) throw new Error('inference-worker must run in a worker thread');

let net: (OrtNetwork & { model: SegmentNetwork['model'] }) | null = null;

function post(msg: WorkerReply, transfer: ArrayBuffer[] = []): void {
  port?.postMessage(msg, transfer);
}

function resultBuffers(r: SegmentResult): ArrayBuffer[] {
  const bufs = [r.masks.buffer, r.dP.buffer, r.cellprob.buffer, r.flowRgb.buffer, r.style.buffer];
  return [...new Set(bufs)].filter((b): b is ArrayBuffer => b instanceof ArrayBuffer);
}

async function handle(msg: WorkerRequest): Promise<void> {
  switch (msg.type) {
    case 'load': {
      const m = await loadCellposeModel(msg.path, { builtinName: msg.builtinName, sizeModelPath: msg.sizeModelPath, cacheDir: msg.cacheDir, readSizeModel: await sizeModelReader() });
      const old = net;
      const fresh = await OrtNetwork.create(m.onnxBytes, m.spec, { provider: msg.provider, intraOpThreads: msg.intraOpThreads });
      net = Object.assign(fresh, { model: m.info });
      startPool();
      await old?.release();
      post({
        type: 'loaded',
        id: msg.id,
        model: {
          path: msg.path,
          name: m.info.name,
          nchan: m.spec.nchan,
          nout: m.spec.nout,
          nbase: m.spec.nbase,
          diamMeanPx: m.info.diamMeanPx,
          diamLabelsPx: m.info.diamLabelsPx,
          hasSizeModel: m.info.sizeModel !== null,
          providerUsed: fresh.providerUsed,
          onnxCachePath: m.onnxCachePath,
          warnings: [...m.warnings, ...fresh.warnings],
        },
      });
      return;
    }
    case 'segment': {
      if (!net) throw new Error('no model loaded: call loadModel first');
      const flag = new Int32Array(msg.cancelFlag);
      const signal = {
        get aborted(): boolean {
          return Atomics.load(flag, 0) === 1;
        },
      };
      let image: ImageStack;
      let decoded = false;
      if ('path' in msg.image) {
        const bytes = new Uint8Array(await readFile(msg.image.path));
        image = await decodeImage(bytes, { nameHint: basename(msg.image.path), axes: msg.image.axes });
        decoded = true;
      } else {
        image = msg.image;
      }
      checkSegmentMemory(image, msg.options, net.model, totalmem());
      let last = 0;
      const result = await segment(image, msg.options, net, poolDeps(), signal, (p) => {
        const now = Date.now();
        if (now - last > 50 || p.fraction >= 1) {
          last = now;
          post({ type: 'progress', id: msg.id, fraction: p.fraction, stage: p.stage });
        }
      });
      // a GPU provider that failed mid-run and left the rest to the CPU
      result.warnings.push(...net.takeRunWarnings());
      post({ type: 'segmented', id: msg.id, result, image: decoded ? image : undefined, providerUsed: net.providerUsed }, resultBuffers(result));
      return;
    }
    case 'dispose': {
      await net?.release();
      net = null;
      await closePool();
      post({ type: 'disposed', id: msg.id });
      return;
    }
  }
}

// One request at a time, in order: the session is not shared between concurrent runs.
let chain: Promise<void> = Promise.resolve();
port.on('message', (msg: WorkerRequest) => {
  chain = chain.then(() =>
    handle(msg).catch((e: unknown) => {
      const err = e instanceof Error ? { name: e.name, message: e.message } : { name: 'Error', message: String(e) };
      post({ type: 'error', id: msg.id, error: err });
    }),
  );
});
