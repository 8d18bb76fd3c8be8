// The dynamics service: masks from flows on the worker pool, with re-thresholding from cached
// network outputs.
//
//   const dyn = createDynamicsService();
//   dyn.putFlows('img1', dP, cellprob, [ly, lx]);            // after inference
//   const a = await dyn.compute('img1', { flowThreshold: 0.4, cellprobThreshold: 0 });
//   const b = await dyn.compute('img1', { flowThreshold: 0.6 });   // drops masks by cached errors
//   const c = await dyn.compute('img1', { cellprobThreshold: 0.5 }); // integrates only what changed
//   await dyn.close();
import { followMethodFor, prepareDynamics, type ResizeAndComputeOptions } from '../../core/dynamics/compute-masks.ts';
import { blockThresholdBounds, type FollowInput } from '../../core/dynamics/follow-flows.ts';
import { PositionCache, withPoints } from '../../core/dynamics/rethreshold.ts';
import { badFlowLabels, clusterWithErrorsInPool, finishInPool, flowErrorsInPool, followInPool, followTrackedInPool, type PoolProgress } from './compute-in-pool.ts';
import { MaskCache } from './mask-cache.ts';
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
      const t0 = performance.now();
      const entry = cache.get(flowsId);
      if (!entry) throw new Error(`no flows cached for "${flowsId}" (run the network first)`);
      const { dP, cellprob, shape } = entry;
      const profile = params.profile ?? 'v3-cpu';
      const method = followMethodFor(profile, shape.length, params.interp ?? true);
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
      const { labels, errors } = entry.cluster;
      const drop = shape.length === 2 ? badFlowLabels(errors, flowThreshold) : null;
      const masks = await finishInPool(getPool(), labels, shape, params, drop);
      stages.push('finish');
      return { masks, shape: params.outShape ? [...params.outShape] : [...shape], stages, integratedPoints, elapsedMs: performance.now() - t0 };
    },
    async close() {
      if (ownPool && pool) await pool.close();
      pool = undefined;
    },
  };
}
