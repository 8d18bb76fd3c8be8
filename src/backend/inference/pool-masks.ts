// Masks through the dynamics worker pool (src/backend/dynamics): the Euler integration of large
// images is split over all cores. Same options, same labels as the in-thread directMasks.
import { computeMasksInPool } from '../dynamics/compute-in-pool.ts';
import { DynamicsPool } from '../dynamics/pool.ts';
import { directDeps, directMasks, maskOptionsOf } from '../../core/pipeline/direct-masks.ts';
import type { MasksFn, SegmentDeps } from '../../core/pipeline/segment.ts';

/** Below this many pixels the pool's message passing costs more than it saves. */
const POOL_MIN_PIXELS = 256 * 256;

let pool: DynamicsPool | null = null;

export function poolDeps(): SegmentDeps {
  const masks: MasksFn = async (dP, cellprob, shape, p, signal) => {
    if (cellprob.length < POOL_MIN_PIXELS) return directMasks(dP, cellprob, shape, p, signal);
    pool ??= new DynamicsPool();
    // the run's signal is a shared-memory flag without events: mirror it into a real AbortSignal
    const ac = new AbortController();
    const poll = setInterval(() => {
      if (signal?.aborted) ac.abort();
    }, 20);
    try {
      const opts = maskOptionsOf(p);
      return await computeMasksInPool(pool, dP, cellprob, shape, opts, { signal: ac.signal });
    } finally {
      clearInterval(poll);
    }
  };
  return { ...directDeps, computeMasks: masks };
}

/** Starts the pool's workers now (at model load), so their start-up overlaps the network pass
 *  instead of being paid by the first image's dynamics. */
export function startPool(): void {
  pool ??= new DynamicsPool();
}

export async function closePool(): Promise<void> {
  const p = pool;
  pool = null;
  await p?.close();
}
