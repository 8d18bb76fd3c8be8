// segment / cancel / calibrate / recomputeMasks: the engine (one inference worker, see
// backend/inference) behind the contract, with progress events, cancellation by job id and a
// cache of flows for re-thresholding.
import path from 'node:path';
import type { ImageStack } from '../../core/io/image-types.ts';
import { withDefaults, type SegmentOptions } from '../../core/pipeline/segment-options.ts';
import { dZToU8 } from '../../core/seg/seg-flows.ts';
import { nowMs } from '../../core/util/platform.ts';
import type { GpuStatusDto, MasksDto, RecomputeRequest, SegmentRequest, SegmentResultDto, WireArray } from '../../shared/contract.ts';
import { createDynamicsService, type DynamicsService, type MaskParams } from '../dynamics/service.ts';
import { createInferenceService, type InferenceService, type InferenceServiceOptions } from '../inference/inference-service.ts';
import { probeGpuInWorker, type GpuStatus } from '../inference/gpu-probe.ts';
import type { ProviderChoice } from '../inference/ort-network.ts';
import type { ModelZoo } from '../models/index.ts';
import type { SettingsStore } from '../settings/settings-store.ts';
import type { EventHub } from './event-hub.ts';
import type { CachedFlows, FlowsCache } from './flows-cache.ts';
import { toWireArray } from './opened-image.ts';
import { mergeKeptMasks } from './keep-masks.ts';
import { toSegmentOptions, useGpuOf } from './segment-params.ts';
import { labelsFromWire } from './wire-labels.ts';
import { BadRequestError, NotAvailableError, namingFile, requireString } from './service-errors.ts';

export class CancelledError extends Error {
  constructor(jobId: string) {
    super(`job ${jobId} was cancelled`);
    this.name = 'AbortError';
  }
}

/** SegmentRequest.region: uint8, (Y, X) or (Z, Y, X); non-zero = segment here. */
function regionFromWire(w: unknown): Uint8Array {
  const a = w as Partial<WireArray> | null;
  if (!a || a.dtype !== 'uint8' || !(a.data instanceof ArrayBuffer) || !Array.isArray(a.shape)) {
    throw new BadRequestError('segment', '"region" must be a uint8 array');
  }
  const n = a.shape.reduce((p, d) => p * d, 1);
  if (a.data.byteLength !== n) throw new BadRequestError('segment', `"region" holds ${a.data.byteLength} bytes, shape [${a.shape.join(', ')}] needs ${n}`);
  return new Uint8Array(a.data);
}

export interface SegmentServiceDeps {
  /** Shared with the seg service, so a saved _seg.npy carries the run's flows. */
  flows: FlowsCache;
  events: EventHub;
  settings: SettingsStore;
  zoo: ModelZoo;
  inference?: InferenceServiceOptions;
  /** Images opened from bytes (no path), by id. */
  droppedImage(imageId: string): ImageStack | undefined;
  /** Injected by tests; default a worker-backed service created on first use. */
  createInference?: (o: InferenceServiceOptions) => InferenceService;
  /** Injected by tests; default probeGpuInWorker. */
  probeGpu?: () => Promise<GpuStatus>;
}

/** One dynamics input: flows of one image (2-D), one plane of a 2-D-per-plane stack, or a 3-D stack. */
interface DynamicsUnit {
  key: string;
  dP: () => Float32Array;
  cellprob: () => Float32Array;
  shape: number[];
}

/** Split cached flows the way segment ran dynamics: per plane unless do_3D (segment.ts). */
function dynamicsUnits(id: string, f: CachedFlows): DynamicsUnit[] {
  const [nZ, height, width] = f.shape;
  if (f.do3D) return [{ key: id, dP: () => f.dP, cellprob: () => f.cellprob, shape: [nZ, height, width] }];
  if (nZ === 1) return [{ key: id, dP: () => f.dP, cellprob: () => f.cellprob, shape: [height, width] }];
  const plane = height * width;
  return Array.from({ length: nZ }, (_, z) => ({
    key: `${id}/z${z}`,
    dP: () => {
      // (2, nZ, Y, X) -> this plane's (2, Y, X)
      const d = new Float32Array(2 * plane);
      d.set(f.dP.subarray(z * plane, (z + 1) * plane), 0);
      d.set(f.dP.subarray((nZ + z) * plane, (nZ + z + 1) * plane), plane);
      return d;
    },
    cellprob: () => f.cellprob.slice(z * plane, (z + 1) * plane),
    shape: [height, width],
  }));
}

/** Dynamics parameters of a re-threshold of cached flows (the same for recomputeMasks and the warm-up). */
function rethresholdParams(f: CachedFlows, req: Pick<RecomputeRequest, 'niter' | 'cellprobThreshold' | 'flowThreshold' | 'minSize'>): MaskParams {
  const [nZ, height, width] = f.shape;
  return {
    niter: Number.isInteger(req.niter) && req.niter > 0 ? req.niter : f.niterUsed,
    cellprobThreshold: Number(req.cellprobThreshold),
    flowThreshold: Number(req.flowThreshold),
    maxSizeFraction: 0.4,
    profile: 'v3-cpu',
    interp: true,
    minSize: Number(req.minSize),
    outShape: f.do3D ? [nZ, height, width] : [height, width],
    // As segment's default dynamics (core/pipeline/direct-masks.ts): the fixed min-size rule (5.5).
    legacyV31MinSize: false,
  };
}

/** Two re-threshold requests that differ at most in cellprob_threshold. */
function sameExceptCellprob(a: MaskParams, b: MaskParams): boolean {
  return a.flowThreshold === b.flowThreshold && a.minSize === b.minSize && a.niter === b.niter;
}

export function createSegmentService(deps: SegmentServiceDeps) {
  const flows = deps.flows;
  /** The last re-threshold parameters per flows id (the direction of a slider drag). */
  const lastRecompute = new Map<string, MaskParams>();
  const jobs = new Map<string, AbortController>();
  let inference: InferenceService | null = null;
  let dynamics: DynamicsService | null = null;
  const dyn = (): DynamicsService => (dynamics ??= createDynamicsService());
  /** The unit's flows in the dynamics service (put there on first use); returns its key. */
  const dynamicsKey = (unit: DynamicsUnit): string => {
    if (!dyn().hasFlows(unit.key)) dyn().putFlows(unit.key, unit.dP(), unit.cellprob(), unit.shape);
    return unit.key;
  };
  /** The loaded model and the provider choice it was loaded with ('gpu' or the default). */
  let loaded: { path: string; choice: ProviderChoice } | null = null;
  /** The GPU probe's answer, asked for once (gpuStatus). */
  let gpuProbe: Promise<GpuStatusDto> | null = null;
  /** One run at a time: the worker owns one session, and a model switch must not interleave. */
  let queue: Promise<unknown> = Promise.resolve();

  const engine = (): InferenceService => (inference ??= (deps.createInference ?? createInferenceService)(deps.inference ?? {}));

  function progressReporter(jobId: string): (p: { fraction: number; stage: string }) => void {
    const t0 = nowMs();
    return ({ fraction, stage }) => {
      const elapsedMs = nowMs() - t0;
      // An ETA from the first few percent is noise; wait for 5 %.
      const etaMs = fraction >= 0.05 && fraction < 1 ? (elapsedMs * (1 - fraction)) / fraction : null;
      deps.events.emit('onProgress', { jobId, fraction, stage, etaMs });
    };
  }

  async function run<T>(jobId: string, body: (signal: AbortSignal) => Promise<T>): Promise<T> {
    if (jobs.has(jobId)) throw new BadRequestError('segment', `job id ${jobId} is already running`);
    const controller = new AbortController();
    jobs.set(jobId, controller);
    const task = queue.then(async () => {
      if (controller.signal.aborted) throw new CancelledError(jobId);
      try {
        return await body(controller.signal);
      } catch (e) {
        if (controller.signal.aborted) throw new CancelledError(jobId);
        throw e;
      }
    });
    queue = task.catch(() => undefined);
    try {
      return await task;
    } finally {
      jobs.delete(jobId);
    }
  }

  /** Load `name` (downloading a zoo model first) unless it is loaded with the same provider
   *  choice; returns its name. */
  async function ensureModel(name: string, useGpu: boolean, jobId: string, signal: AbortSignal): Promise<string> {
    const report = progressReporter(jobId);
    const resolved = await deps.zoo.resolveModel(name, {
      signal,
      onProgress: (received, total) => report({ fraction: total ? received / total : 0, stage: `downloading model ${name}` }),
    });
    for (const w of resolved.warnings) deps.events.emit('onLog', { level: 'warn', message: w });
    const choice: ProviderChoice = useGpu ? 'gpu' : (deps.inference?.provider ?? 'cpu');
    if (loaded?.path !== resolved.path || loaded.choice !== choice) {
      loaded = null;
      const summary = await engine().loadModel(resolved.path, { builtinName: resolved.builtinName, sizeModelPath: resolved.sizeModelPath, provider: choice });
      for (const w of summary.warnings) deps.events.emit('onLog', { level: 'warn', message: w });
      loaded = { path: resolved.path, choice };
    }
    return resolved.name;
  }

  /** The image to segment: a file (path), or an image opened from bytes (imageId, path ''). */
  function imageOf(method: string, req: { imagePath?: unknown; imageId?: unknown }): { label: string; path: string | null; stack: ImageStack | null } {
    if (typeof req.imagePath === 'string' && req.imagePath !== '') {
      const p = path.resolve(requireString(method, req, 'imagePath'));
      return { label: p, path: p, stack: null };
    }
    if (typeof req.imageId !== 'string') throw new BadRequestError(method, 'give "imagePath", or "imageId" for an image opened from bytes');
    const stack = deps.droppedImage(req.imageId);
    if (!stack) throw new BadRequestError(method, `image ${req.imageId} is no longer open; open it again`);
    return { label: `image ${req.imageId}`, path: null, stack };
  }

  async function segmentImage(img: ReturnType<typeof imageOf>, options: Partial<SegmentOptions>, jobId: string, signal: AbortSignal) {
    const report = progressReporter(jobId);
    if (img.stack) return engine().segment(img.stack, options, report, signal);
    const file = img.path as string;
    const axes = await deps.settings.axisOverrideFor(file);
    return namingFile(file, () => engine().segment({ path: file, axes }, options, report, signal));
  }

  /**
   * After a segmentation, integrates its end points with their cellprob-threshold ranges, and
   * computes its labels, flow errors and holes, in the background on the dynamics pool (not the
   * inference worker), so that the first slider step is already a cheap re-threshold step. Runs
   * after the result has gone out; only a single 2-D plane at the image's resolution. A
   * re-threshold that comes meanwhile waits for it; the next segmentation aborts it (the aborted
   * part is just not cached); a failure is only logged.
   */
  let warming: AbortController | null = null;
  function warmRethreshold(flowsId: string, o: SegmentOptions): void {
    warming?.abort();
    const controller = new AbortController();
    warming = controller;
    setTimeout(() => {
      if (controller.signal.aborted) return;
      const f = flows.get(flowsId);
      if (!f) return;
      const [nZ, height, width] = f.shape;
      if (nZ !== 1 || f.do3D || f.cellprob.length !== height * width) return;
      const params = rethresholdParams(f, { niter: o.niter, cellprobThreshold: o.cellprobThreshold, flowThreshold: o.flowThreshold, minSize: o.minSize });
      if (![params.cellprobThreshold, params.flowThreshold].every(Number.isFinite)) return;
      const [unit] = dynamicsUnits(flowsId, f);
      dyn()
        .warm(dynamicsKey(unit), params, controller.signal)
        .catch((e: unknown) => {
          if (controller.signal.aborted) return;
          deps.events.emit('onLog', { level: 'warn', message: `re-threshold warm-up: ${e instanceof Error ? e.message : String(e)}` });
        })
        .finally(() => {
          if (warming === controller) warming = null;
        });
    }, 0);
  }

  return {
    async segment(req: SegmentRequest): Promise<SegmentResultDto> {
      const jobId = requireString('segment', req, 'jobId');
      const img = imageOf('segment', req);
      const imagePath = img.path ?? '';
      const options = toSegmentOptions('segment', req.params);
      const useGpu = useGpuOf('segment', req.params);
      const keep = req.keepMasks ? labelsFromWire('segment', 'keepMasks', req.keepMasks) : null;
      const region = req.region ? regionFromWire(req.region) : null;
      return run(jobId, async (signal) => {
        // a new run needs the cores more than the last result's warm-up
        warming?.abort();
        const modelName = await ensureModel(req.params.model, useGpu, jobId, signal);
        const r = await segmentImage(img, options, jobId, signal);
        const [nZ, height, width] = r.shape;
        if (keep && keep.shape.join() !== r.shape.join()) {
          throw new BadRequestError('segment', `keepMasks shape [${keep.shape.join(', ')}] differs from the image's [${r.shape.join(', ')}]`);
        }
        const masks = keep || region ? mergeKeptMasks({ masks: r.masks, shape: r.shape, keep: keep?.data ?? null, region, minSize: options.minSize ?? 15 }) : r.masks;
        const flowsId = flows.put({
          dP: r.dP,
          dPComponents: r.dPComponents,
          cellprob: r.cellprob,
          flowRgb: r.flowRgb,
          diameterPx: r.diameterUsedPx,
          modelName,
          shape: [nZ, height, width],
          do3D: options.do3D ?? false,
          stitchThreshold: options.stitchThreshold ?? 0,
          niterUsed: r.niterUsed,
          imagePath,
        });
        for (const w of r.warnings) deps.events.emit('onLog', { level: 'warn', message: `${img.path ? path.basename(img.path) : img.label}: ${w}` });
        const plane = nZ * height * width;
        warmRethreshold(flowsId, withDefaults(options));
        return {
          jobId,
          flowsId,
          masks: toWireArray({ data: masks, shape: [nZ, height, width], dtype: masks instanceof Uint32Array ? 'uint32' : 'uint16' }),
          flowRgb: toWireArray({ data: r.flowRgb.slice(), shape: [nZ, height, width, 3], dtype: 'uint8' }),
          // Copies: the cached flows keep their own buffers, the DTO's are transferred away.
          cellprob: { dtype: 'float32', shape: [nZ, height, width], data: r.cellprob.slice().buffer },
          dZU8: r.dPComponents === 3 ? toWireArray({ data: dZToU8(r.dP.subarray(0, plane)), shape: [nZ, height, width], dtype: 'uint8' }) : null,
          diameterPx: r.diameterUsedPx,
          modelName,
          // the session's provider after the run: the CPU if a GPU provider failed during it
          provider: r.providerUsed,
          int8Network: r.int8Network,
          timingsMs: { ...r.timings },
        };
      });
    },

    /** Probed once per backend, in a worker of its own (probeGpuInWorker). */
    gpuStatus(): Promise<GpuStatusDto> {
      gpuProbe ??= (deps.probeGpu ?? probeGpuInWorker)();
      return gpuProbe;
    },

    async cancel(req: { jobId: string }): Promise<{ cancelled: boolean }> {
      const jobId = requireString('cancel', req, 'jobId');
      const c = jobs.get(jobId);
      if (!c) return { cancelled: false };
      c.abort();
      return { cancelled: true };
    },

    async calibrate(req: { imagePath: string; model: string; imageId?: string; useGpu?: boolean }): Promise<{ diameterPx: number }> {
      const img = imageOf('calibrate', req);
      const useGpu = useGpuOf('calibrate', req);
      const model = typeof req.model === 'string' ? req.model : '';
      const jobId = `calibrate:${img.label}:${nowMs()}`;
      return run(jobId, async (signal) => {
        await ensureModel(model, useGpu, jobId, signal);
        // Diameter 0 runs Cellpose's size model (style regression + refinement pass, ALGORITHMS 1.9);
        // masks of the main pass are not needed.
        const r = await segmentImage(img, { diameterPx: 0, computeMasks: false }, jobId, signal);
        return { diameterPx: r.diameterUsedPx };
      });
    },

    async recomputeMasks(req: RecomputeRequest): Promise<MasksDto> {
      const id = requireString('recomputeMasks', req, 'flowsId');
      const f = flows.get(id);
      if (!f) throw new BadRequestError('recomputeMasks', `flows ${id} are no longer cached; run the segmentation again`);
      const t0 = nowMs();
      const [nZ, height, width] = f.shape;
      if (f.cellprob.length !== nZ * height * width) {
        throw new NotAvailableError('recomputeMasks', 'flows at a resolution other than the image (resample off) cannot be re-thresholded yet');
      }
      if (f.stitchThreshold > 0 && nZ > 1 && !f.do3D) throw new NotAvailableError('recomputeMasks', 'stitched stacks cannot be re-thresholded yet');
      const params = rethresholdParams(f, req);
      if (![params.cellprobThreshold, params.flowThreshold, params.minSize].every(Number.isFinite)) {
        throw new BadRequestError('recomputeMasks', 'thresholds and minSize must be numbers');
      }
      // The dynamics pool caches the Euler positions per unit, so moving only the flow threshold
      // or min size skips the expensive step (what makes the GUI's sliders responsive).
      const plane = height * width;
      const units = dynamicsUnits(id, f);
      let out: Uint16Array | Uint32Array;
      if (units.length === 1) {
        const unit = units[0];
        const key = dynamicsKey(unit);
        out = (await dyn().compute(key, params)).masks;
        // A slider being dragged: the same step again is the likely next request. Computing it now
        // uses the cores while the GUI takes these masks in; any other request aborts it.
        const prev = lastRecompute.get(id);
        const t = params.cellprobThreshold ?? 0;
        const step = t - (prev?.cellprobThreshold ?? t);
        if (prev && step !== 0 && Math.abs(step) <= 1 && sameExceptCellprob(prev, params)) {
          dyn().prefetch(key, { ...params, cellprobThreshold: t + step });
        }
        lastRecompute.delete(id);
        lastRecompute.set(id, params);
        if (lastRecompute.size > 16) lastRecompute.delete(lastRecompute.keys().next().value as string);
      } else {
        const masks = new Uint32Array(nZ * plane);
        let wide = false;
        for (const [z, unit] of units.entries()) {
          const r = await dyn().compute(dynamicsKey(unit), params);
          masks.set(r.masks, f.do3D ? 0 : z * plane);
          if (r.masks instanceof Uint32Array) wide = true;
        }
        out = wide ? masks : Uint16Array.from(masks);
      }
      const wide = out instanceof Uint32Array;
      return {
        masks: toWireArray({ data: out, shape: [nZ, height, width], dtype: wide ? 'uint32' : 'uint16' }),
        elapsedMs: nowMs() - t0,
      };
    },

    async dispose(): Promise<void> {
      warming?.abort();
      for (const c of jobs.values()) c.abort();
      await inference?.dispose();
      await dynamics?.close();
      inference = null;
      dynamics = null;
      loaded = null;
    },
  };
}
