// The dynamics service: masks from flows on the worker pool, with re-thresholding from cached
// network outputs.
//
//   const dyn = createDynamicsService();
//   dyn.putFlows('img1', dP, cellprob, [ly, lx]);            // after inference
//   const a = await dyn.compute('img1', { flowThreshold: 0.4, cellprobThreshold: 0 });
//   const b = await dyn.compute('img1', { flowThreshold: 0.6 });   // QC only, no dynamics rerun
//   await dyn.close();
import { followMethodFor, prepareDynamics, type ResizeAndComputeOptions } from '../../core/dynamics/compute-masks.ts';
import { clusterInPool, finishInPool, followInPool, type PoolProgress } from './compute-in-pool.ts';
import { MaskCache } from './mask-cache.ts';
import { DynamicsPool } from './pool.ts';

export type MaskParams = Omit<ResizeAndComputeOptions, 'signal'>;

export interface ComputeResult {
  masks: Uint16Array | Uint32Array;
  shape: number[];
  /** Which stages ran (the others came from the cache). */
  stages: Array<'follow' | 'cluster' | 'finish'>;
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
      const followKey = `${cellprobThreshold}|${niter}|${method}`;
      const clusterKey = `${followKey}|${params.flowThreshold ?? 0.4}|${params.maxSizeFraction ?? 0.4}|${profile}`;
      const stages: ComputeResult['stages'] = [];
      let labels: Uint16Array | Uint32Array;
      if (entry.cluster?.key === clusterKey) {
        labels = entry.cluster.labels;
      } else {
        if (entry.follow?.key !== followKey) {
          const input = prepareDynamics(dP, cellprob, shape, cellprobThreshold, niter, method);
          if (input) {
            const p = await followInPool(getPool(), input, progress);
            entry.follow = { key: followKey, input, p };
          } else {
            entry.follow = undefined;
          }
          stages.push('follow');
        }
        if (entry.follow) {
          labels = await clusterInPool(getPool(), entry.follow.p, entry.follow.input, dP, { ...params, profile });
        } else {
          labels = new Uint16Array(cellprob.length);
        }
        entry.cluster = { key: clusterKey, labels };
        stages.push('cluster');
        cache.evict();
      }
      const masks = await finishInPool(getPool(), labels, shape, params);
      stages.push('finish');
      return { masks, shape: params.outShape ? [...params.outShape] : [...shape], stages, elapsedMs: performance.now() - t0 };
    },
    async close() {
      if (ownPool && pool) await pool.close();
      pool = undefined;
    },
  };
}
