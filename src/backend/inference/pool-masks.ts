// Masks through the dynamics worker pool (src/backend/dynamics): the Euler integration of large
// images is split over all cores. Same options, same labels as the in-thread directMasks.
import { computeMasksInPool } from '../dynamics/compute-in-pool.ts';
import { DynamicsPool } from '../dynamics/pool.ts';
import { directDeps, directMasks, maskOptionsOf } from '../../core/pipeline/direct-masks.ts';
import type { MasksFn, SegmentDeps } from '../../core/pipeline/segment.ts';

/** Below this many pixels the pool's message passing costs more than it saves. */
const POOL_MIN_PIXELS = 256 * 256;

/** When the pool is not running yet and the host asked for it lazily (a CLI run of one image):
 *  a 2-D image up to this many pixels gets its masks in this thread, since starting the pool's
 *  workers costs more CPU than they save on one such image (2026-11-27, 2-core AMD EPYC, whole
 *  `segment` processes alternated: 1024² --fast 2.72 s against 2.88 s, 512² 1.47 s against 1.51 s;
 *  the dynamics of a fresh process took 0.19-0.27 s either way). Larger images and 3-D stacks
 *  start the pool: their dynamics take seconds. */
const LAZY_DIRECT_MAX_PIXELS = 2048 * 2048;
/** ...and so does a run whose masks in this thread have taken this long in all (the planes of a
 *  stack without --do_3D), so that many images still share the work over the cores. */
const LAZY_DIRECT_BUDGET_MS = 400;

let pool: DynamicsPool | null = null;
let directMs = 0;

export function poolDeps(): SegmentDeps {
  const masks: MasksFn = async (dP, cellprob, shape, p, signal) => {
    if (cellprob.length < POOL_MIN_PIXELS) return directMasks(dP, cellprob, shape, p, signal);
    if (pool === null && shape.length === 2 && cellprob.length <= LAZY_DIRECT_MAX_PIXELS && directMs < LAZY_DIRECT_BUDGET_MS) {
      const t0 = performance.now();
      try {
        return await directMasks(dP, cellprob, shape, p, signal);
      } finally {
        directMs += performance.now() - t0;
      }
    }
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
 *  instead of being paid by the first image's dynamics. Without it (lazy) the pool starts only
 *  where it pays (LAZY_DIRECT_MAX_PIXELS, LAZY_DIRECT_BUDGET_MS). */
export function startPool(): void {
  pool ??= new DynamicsPool();
}

/** Whether the pool's workers are running (for tests of the lazy start). */
export function poolRunning(): boolean {
  return pool !== null;
}

export async function closePool(): Promise<void> {
  const p = pool;
  pool = null;
  directMs = 0;
  await p?.close();
}
