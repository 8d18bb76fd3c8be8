// The dynamics service: masks from flows on the worker pool, with re-thresholding from cached
// network outputs.
//
//   const dyn = createDynamicsService();
//   dyn.putFlows('img1', dP, cellprob, [ly, lx]);            // after inference
//   const a = await dyn.compute('img1', { flowThreshold: 0.4, cellprobThreshold: 0 });
//   const b = await dyn.compute('img1', { flowThreshold: 0.6 });   // drops masks by cached errors
//   const c = await dyn.compute('img1', { cellprobThreshold: 0.5 }); // integrates only what changed
//   await dyn.close();
//
// 2-D pixel-bilinear flows (the GUI's case) take the per-mask path: the masked field and block
// ranges move from threshold to threshold (ThresholdField), only stale end points are integrated,
// get_masks writes shared memory, and the workers split the masks for flow errors and holes, which
// are kept, so that a new flow threshold or min size is one fill pass.
import { followMethodFor, prepareDynamics, type ResizeAndComputeOptions } from '../../core/dynamics/compute-masks.ts';
import { blockThresholdBounds, type FollowInput } from '../../core/dynamics/follow-flows.ts';
import { badFlowLabels, PositionCache, ThresholdField, withPoints } from '../../core/dynamics/rethreshold.ts';
import {
  checkAbort,
  clusterPartsInPool,
  clusterWithErrorsInPool,
  finishInPool,
  finishPartsInPool,
  flowErrorsInPool,
  followInPool,
  followTrackedInPool,
  maskPartsInPool,
  shared,
  type PoolProgress,
} from './compute-in-pool.ts';
import { MaskCache, type CachedFlows } from './mask-cache.ts';
import { DynamicsPool } from './pool.ts';

export type MaskParams = Omit<ResizeAndComputeOptions, 'signal'>;

export interface ComputeResult {
  masks: Uint16Array | Uint32Array;
  shape: number[];
  /** Which stages ran (the others came from the cache): 'qc' = flow errors of new labels. */
  stages: Array<'follow' | 'cluster' | 'qc' | 'finish'>;
  /** Points integrated by this call (0 when every end point came from the cache). */
  integratedPoints: number;
  elapsedMs: number;
}

export interface DynamicsService {
  /** Store a segmentation's flows: dP (2|3, ...shape) and cellprob (...shape), float32. */
  putFlows(flowsId: string, dP: Float32Array, cellprob: Float32Array, shape: readonly number[]): void;
  hasFlows(flowsId: string): boolean;
  dropFlows(flowsId: string): void;
  /** Masks for these parameters, reusing cached stages when only later-stage parameters changed. */
  compute(flowsId: string, params?: MaskParams, progress?: PoolProgress): Promise<ComputeResult>;
  /**
   * Runs everything before the fill for these parameters (end points with their threshold ranges,
   * labels, flow errors, holes) so that the next compute on these flows is a re-threshold step.
   * For a background warm-up after a segmentation; a compute called meanwhile waits for it. An
   * abort (between integration chunks and stages) rejects with AbortError and leaves the caches
   * consistent: what was not finished is simply not cached.
   */
  warm(flowsId: string, params?: MaskParams, signal?: AbortSignal): Promise<void>;
  /**
   * Computes the masks for `params` in the background and keeps them, so that a compute with the
   * same parameters returns at once: the next value of a slider being dragged (the cores are idle
   * while the GUI takes in the previous masks). A compute with other parameters aborts it between
   * stages; only one prefetched result is kept per flows id.
   */
  prefetch(flowsId: string, params: MaskParams): void;
  close(): Promise<void>;
}

export interface DynamicsServiceOptions {
  pool?: DynamicsPool;
  /** Cache budget in bytes (default 2 GiB). */
  cacheBytes?: number;
}

export function createDynamicsService(options: DynamicsServiceOptions = {}): DynamicsService {
  const ownPool = !options.pool;
  let pool: DynamicsPool | undefined = options.pool;
  const cache = new MaskCache(options.cacheBytes);
  const getPool = (): DynamicsPool => (pool ??= new DynamicsPool());

  /** End points of all of `input` through the position cache: only stale points are integrated. */
  async function followCached(
    positions: PositionCache | undefined,
    input: FollowInput,
    cellprob: Float32Array,
    threshold: number,
    progress: PoolProgress,
  ): Promise<{ cache: PositionCache; p: Float32Array; integrated: number }> {
    const [ly, lx] = input.shape;
    const niter = Math.max(0, Math.trunc(input.niter));
    const pc = positions && positions.niter === niter ? positions : new PositionCache([ly, lx], niter);
    const stale = pc.stale(input.inds, threshold);
    if (stale.length > 0) {
      const blocks = blockThresholdBounds(cellprob, ly, lx, threshold);
      pc.store(stale, await followTrackedInPool(getPool(), withPoints(input, stale), blocks, progress));
    }
    return { cache: pc, p: pc.gather(input.inds), integrated: stale.length };
  }

  /** Canonical key of a parameter set (a prefetched result is reused only for the same key). */
  const paramsKey = (p: MaskParams): string => JSON.stringify(p, Object.keys(p).sort());

  /** Runs fn after the entry's current computation (they share the field and caches). */
  function exclusive<T>(entry: CachedFlows, fn: () => Promise<T>): Promise<T> {
    const run = (entry.busy ?? Promise.resolve()).then(fn);
    entry.busy = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  /** The stages for these parameters; the fill (and the masks) only when `finish`. */
  async function computeEntry(entry: CachedFlows, params: MaskParams, progress: PoolProgress, finish: boolean): Promise<Omit<ComputeResult, 'elapsedMs' | 'masks'> & { masks: Uint16Array | Uint32Array | null }> {
    const { dP, cellprob, shape } = entry;
    const profile = params.profile ?? 'v3-cpu';
    const method = followMethodFor(profile, shape.length, params.interp ?? true);
    const outShape = params.outShape && params.outShape.join(',') !== shape.join(',') ? [...params.outShape] : null;
    if (shape.length === 2 && method === 'pixel-bilinear' && !outShape) return computePerMask(entry, params, progress, finish);
    const cellprobThreshold = params.cellprobThreshold ?? 0;
    const niter = params.niter ?? 200;
    const flowThreshold = params.flowThreshold ?? 0.4;
    const followKey = `${cellprobThreshold}|${niter}|${method}`;
    const clusterKey = `${followKey}|${params.maxSizeFraction ?? 0.4}|${profile}`;
    const stages: ComputeResult['stages'] = [];
    let integratedPoints = 0;
    if (entry.cluster?.key !== clusterKey) {
      const input = prepareDynamics(dP, cellprob, shape, cellprobThreshold, niter, method);
      let p: Float32Array | null = null;
      if (input && shape.length === 2 && method === 'pixel-bilinear') {
        const r = await followCached(entry.positions, input, cellprob, cellprobThreshold, progress);
        entry.positions = r.cache;
        p = r.p;
        integratedPoints = r.integrated;
      } else if (input) {
        if (entry.follow?.key !== followKey) {
          entry.follow = { key: followKey, input, p: await followInPool(getPool(), input, progress) };
          integratedPoints = input.inds.length;
        }
        p = entry.follow.p;
      }
      if (integratedPoints > 0) stages.push('follow');
      // errors are computed only when a flow threshold needs them, then kept for other thresholds
      const r = input && p ? await clusterWithErrorsInPool(getPool(), p, input, dP, { ...params, profile, flowThreshold }) : { labels: new Uint16Array(cellprob.length), errors: null };
      entry.cluster = { key: clusterKey, labels: r.labels, errors: r.errors };
      stages.push('cluster');
      if (r.errors) stages.push('qc');
      cache.evict();
    } else if (shape.length === 2 && flowThreshold > 0 && !entry.cluster.errors) {
      entry.cluster.errors = await flowErrorsInPool(getPool(), entry.cluster.labels, dP, [shape[0], shape[1]], profile);
      if (entry.cluster.errors) stages.push('qc');
    }
    if (!finish) return { masks: null, shape: [...shape], stages, integratedPoints };
    const { labels, errors } = entry.cluster;
    const drop = shape.length === 2 ? badFlowLabels(errors, flowThreshold) : null;
    const masks = await finishInPool(getPool(), labels, shape, params, drop);
    stages.push('finish');
    return { masks, shape: params.outShape ? [...params.outShape] : [...shape], stages, integratedPoints };
  }

  /** Every stage through the fill: the masks, timed from t0. */
  async function computeMasks(entry: CachedFlows, params: MaskParams, progress: PoolProgress, t0: number): Promise<ComputeResult> {
    const r = await computeEntry(entry, params, progress, true);
    return { ...r, masks: r.masks as Uint16Array | Uint32Array, elapsedMs: performance.now() - t0 };
  }

  /** 2-D pixel-bilinear dynamics without a resize back: the per-mask path (see the top). */
  async function computePerMask(entry: CachedFlows, params: MaskParams, progress: PoolProgress, finish: boolean): Promise<Omit<ComputeResult, 'elapsedMs' | 'masks'> & { masks: Uint16Array | Uint32Array | null }> {
    const shape: [number, number] = [entry.shape[0], entry.shape[1]];
    const profile = params.profile ?? 'v3-cpu';
    const cellprobThreshold = params.cellprobThreshold ?? 0;
    const niter = Math.max(0, Math.trunc(params.niter ?? 200));
    const flowThreshold = params.flowThreshold ?? 0.4;
    const key = `${cellprobThreshold}|${niter}|${params.maxSizeFraction ?? 0.4}|${profile}`;
    const stages: ComputeResult['stages'] = [];
    let integratedPoints = 0;
    const pool = getPool();
    if (entry.parts?.key !== key) {
      entry.parts = undefined;
      entry.sharedDP ??= shared(entry.dP);
      const field = (entry.field ??= new ThresholdField(entry.dP, entry.cellprob, shape, (n) => new Float32Array(new SharedArrayBuffer(4 * n))));
      const inds = field.setThreshold(cellprobThreshold);
      if (inds.length === 0) {
        entry.parts = { key, parts: null, holes: null };
        stages.push('cluster');
      } else {
        const pc = entry.positions && entry.positions.niter === niter ? entry.positions : new PositionCache(shape, niter);
        entry.positions = pc;
        const stale = pc.stale(inds, cellprobThreshold);
        if (stale.length > 0) {
          const input: FollowInput = { field: field.field, shape, inds: stale, niter, method: 'pixel-bilinear' };
          pc.store(stale, await followTrackedInPool(pool, input, { lo: field.blockLo, hi: field.blockHi }, progress));
          integratedPoints = stale.length;
          stages.push('follow');
        }
        checkAbort(progress.signal);
        const parts = await clusterPartsInPool(pool, pc.gather(inds), inds, shape, params.maxSizeFraction ?? 0.4);
        stages.push('cluster');
        checkAbort(progress.signal);
        // errors only when a flow threshold needs them, then kept for other thresholds
        const holes = await maskPartsInPool(pool, parts, shape, flowThreshold > 0 ? entry.sharedDP : null, profile);
        if (holes.errors) stages.push('qc');
        entry.parts = { key, parts, holes };
      }
      cache.evict();
    } else if (flowThreshold > 0 && entry.parts.parts && entry.parts.holes && !entry.parts.holes.errors) {
      entry.sharedDP ??= shared(entry.dP);
      entry.parts.holes = await maskPartsInPool(pool, entry.parts.parts, shape, entry.sharedDP, profile);
      stages.push('qc');
    }
    if (!finish) return { masks: null, shape, stages, integratedPoints };
    const { parts, holes } = entry.parts;
    const masks = parts && holes ? await finishPartsInPool(pool, parts, holes, shape, params, badFlowLabels(holes.errors, flowThreshold)) : new Uint16Array(shape[0] * shape[1]);
    stages.push('finish');
    return { masks, shape, stages, integratedPoints };
  }

  return {
    putFlows(flowsId, dP, cellprob, shape) {
      let vol = 1;
      for (const d of shape) vol *= d;
      if (cellprob.length !== vol || dP.length !== shape.length * vol) {
        throw new RangeError(`putFlows: dP (${dP.length}) / cellprob (${cellprob.length}) do not match shape [${shape.join(', ')}]`);
      }
      cache.put(flowsId, dP, cellprob, shape);
    },
    hasFlows: (flowsId) => cache.has(flowsId),
    dropFlows: (flowsId) => void cache.delete(flowsId),
    async compute(flowsId, params = {}, progress = {}) {
      const entry = cache.get(flowsId);
      if (!entry) throw new Error(`no flows cached for "${flowsId}" (run the network first)`);
      const key = paramsKey(params);
      const t0 = performance.now();
      // a prefetch of other parameters gives way (it stops at its next stage boundary)
      if (entry.prefetch && entry.prefetch.key !== key) entry.prefetch.abort.abort();
      return exclusive(entry, async () => {
        const ready = entry.prefetched;
        entry.prefetched = undefined;
        if (ready && ready.key === key) return { ...ready.result, elapsedMs: performance.now() - t0 };
        return computeMasks(entry, params, progress, t0);
      });
    },
    prefetch(flowsId, params) {
      const entry = cache.get(flowsId);
      if (!entry) return;
      const key = paramsKey(params);
      if (entry.prefetch?.key === key || entry.prefetched?.key === key) return;
      entry.prefetch?.abort.abort();
      const abort = new AbortController();
      const job = { key, abort };
      entry.prefetch = job;
      void exclusive(entry, async () => {
        if (abort.signal.aborted) return;
        entry.prefetched = { key, result: await computeMasks(entry, params, { signal: abort.signal }, performance.now()) };
      })
        .catch(() => undefined)
        .finally(() => {
          if (entry.prefetch === job) entry.prefetch = undefined;
        });
    },
    async warm(flowsId, params = {}, signal) {
      const entry = cache.get(flowsId);
      if (!entry) throw new Error(`no flows cached for "${flowsId}" (run the network first)`);
      await exclusive(entry, () => computeEntry(entry, params, { signal }, false));
    },
    async close() {
      if (ownPool && pool) await pool.close();
      pool = undefined;
    },
  };
}
