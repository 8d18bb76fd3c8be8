// The inference worker: owns the onnxruntime session for its whole life and runs whole
// segmentations (preprocessing, tiled network, dynamics) so the main thread never blocks on
// numeric work. Cancellation is a shared flag, honoured between network batches and dynamics
// stages.
import { rm } from 'node:fs/promises';
import { totalmem } from 'node:os';
import { basename } from 'node:path';
import { parentPort } from 'node:worker_threads';
import { decodeImage } from '../../core/io/decode-image.ts';
import { inflateNative, readImageBytes } from '../io/read-image.ts';
import { checkAllChannels } from './all-channels.ts';
import type { ImageStack } from '../../core/io/image-types.ts';
import { segment, type SegmentNetwork, type SegmentResult } from '../../core/pipeline/segment.ts';
import type { SegmentOptions } from '../../core/pipeline/segment-options.ts';
import { int8Applies, int8OnnxFor, int8RunOptions, type Int8Source } from './int8-network.ts';
import { loadCellposeModel } from './load-model.ts';
import { checkSegmentMemory } from './memory-check.ts';
import { OrtNetwork, type ProviderChoice } from './ort-network.ts';
import type { WorkerReply, WorkerRequest } from './worker-protocol.ts';
import { sizeModelReader } from './size-model-hook.ts';
import { closePool, poolDeps, startPool } from './pool-masks.ts';

const port = parentPort;
if (!port) throw new Error('inference-worker must run in a worker thread');

type Net = OrtNetwork & { model: SegmentNetwork['model']; ortho?: OrtNetwork };
let net: Net | null = null;
/** The loaded model, for its int8 graph (not its float32 graph bytes, which the session holds). */
let loaded: Int8Source | null = null;
let threads: number | undefined;
/** Fast mode's int8 network on the CPU (int8-network.ts), made on the first fast run; a string is
 *  why it could not be made (fast mode then runs the float32 network). */
let fastNet: Net | string | null = null;

async function releaseFastNet(): Promise<void> {
  if (fastNet !== null && typeof fastNet !== 'string') await fastNet.release();
  fastNet = null;
}

/** The network for a run: in fast mode on the CPU with no second channel the int8 one, when it can
 *  be made. */
async function networkFor(options: Partial<SegmentOptions>, main: Net, onStage: (stage: string) => void): Promise<{ runner: Net; warning?: string }> {
  if (options.fast !== true || !int8Applies(options) || main.providerUsed !== 'cpu' || !loaded) return { runner: main };
  if (fastNet === null) {
    try {
      onStage('preparing the int8 fast network (once per model)');
      const model = loaded;
      const open = (bytes: Uint8Array): Promise<OrtNetwork> => OrtNetwork.create(bytes, model.spec, { provider: 'cpu', intraOpThreads: threads, memPattern: false });
      const made = await int8OnnxFor(model);
      let session: OrtNetwork;
      try {
        session = await open(made.bytes);
      } catch (e) {
        if (made.cachePath === undefined) throw e;
        // a damaged cache file (the write is atomic, but disks fail): made again from the checkpoint
        await rm(made.cachePath, { force: true });
        session = await open((await int8OnnxFor(model)).bytes);
      }
      fastNet = Object.assign(session, { model: main.model, ortho: main.ortho });
    } catch (e) {
      fastNet = e instanceof Error ? e.message : String(e);
      return { runner: main, warning: `fast mode runs the float32 network: its int8 network could not be made (${fastNet})` };
    }
  }
  return typeof fastNet === 'string' ? { runner: main } : { runner: fastNet };
}

/** Cellpose 3.1 builds net_ortho with the main model's nbase and loads the ortho checkpoint into it,
 *  so one whose input channels, widths or outputs differ fails there (a size mismatch in
 *  load_state_dict); ours says which. */
async function loadOrtho(
  path: string,
  main: { nbase: readonly number[]; nout: number },
  o: { provider: ProviderChoice; intraOpThreads?: number; cacheDir?: string | null },
): Promise<{ net: OrtNetwork; name: string }> {
  const m = await loadCellposeModel(path, { cacheDir: o.cacheDir });
  if (m.spec.nbase.join() !== main.nbase.join() || m.spec.nout !== main.nout) {
    throw new Error(
      `--pretrained_model_ortho ${m.info.name}: its network (nbase [${m.spec.nbase.join(', ')}], nout ${m.spec.nout}) differs from the model's ` +
        `(nbase [${main.nbase.join(', ')}], nout ${main.nout}); Cellpose 3.1 cannot load it into that network either`,
    );
  }
  return { net: await OrtNetwork.create(m.onnxBytes, m.spec, { provider: o.provider, intraOpThreads: o.intraOpThreads }), name: m.info.name };
}

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
      let ortho: { net: OrtNetwork; name: string } | undefined;
      if (msg.orthoPath !== undefined) {
        try {
          ortho = await loadOrtho(msg.orthoPath, m.spec, { provider: msg.provider, intraOpThreads: msg.intraOpThreads, cacheDir: msg.cacheDir });
        } catch (e) {
          await fresh.release();
          throw e;
        }
      }
      net = Object.assign(fresh, { model: m.info, ortho: ortho?.net });
      loaded = { path: m.path, spec: m.spec, info: m.info, onnxCachePath: m.onnxCachePath };
      threads = msg.intraOpThreads;
      if (msg.prestartPool !== false) startPool();
      await old?.ortho?.release();
      await old?.release();
      await releaseFastNet();
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
          orthoName: ortho?.name,
          warnings: [...m.warnings, ...fresh.warnings, ...(ortho?.net.warnings ?? [])],
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
        // the caller names the file (the CLI's "FILE: error:" line), so the messages leave it out
        const bytes = await readImageBytes(msg.image.path);
        image = await decodeImage(bytes, { nameHint: basename(msg.image.path), axes: msg.image.axes, inflate: inflateNative });
        decoded = true;
        if (msg.image.allChannelsOf) checkAllChannels(msg.image.path, image.assignment.rawShape, msg.image.allChannelsOf);
      } else {
        image = msg.image;
      }
      let last = 0;
      const { runner, warning } = await networkFor(msg.options, net, (stage) => post({ type: 'progress', id: msg.id, fraction: 0, stage }));
      // fast mode's int8 network runs on Cellpose's tiles (int8RunOptions says why)
      const runOptions = runner !== net ? int8RunOptions(msg.options) : msg.options;
      checkSegmentMemory(image, runOptions, net.model, totalmem());
      const result = await segment(image, runOptions, runner, poolDeps(), signal, (p) => {
        const now = Date.now();
        if (now - last > 50 || p.fraction >= 1) {
          last = now;
          post({ type: 'progress', id: msg.id, fraction: p.fraction, stage: p.stage });
        }
      });
      // a GPU provider that failed mid-run and left the rest to the CPU
      result.warnings.push(...net.takeRunWarnings());
      if (warning) result.warnings.push(warning);
      post({ type: 'segmented', id: msg.id, result, image: decoded ? image : undefined, providerUsed: net.providerUsed, int8Network: runner !== net }, resultBuffers(result));
      return;
    }
    case 'dispose': {
      await net?.ortho?.release();
      await net?.release();
      net = null;
      loaded = null;
      await releaseFastNet();
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
