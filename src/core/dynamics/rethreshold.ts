// Exact re-thresholding from cached dynamics (the GUI's cellprob / flow threshold sliders).
//
// Cellpose follows F = dP * (cellprob > t) / 5, so a pixel's trajectory does depend on t, but only
// through the foreground pattern of the 2x2 blocks it samples. Each cached end point carries the
// threshold range [lo, hi) over which every block it sampled keeps its pattern
// (followFlowsTracked); at a new threshold only the foreground points outside their range (or not
// yet integrated) are integrated again. The result is the same bits as a fresh followFlows.
// The flow-error QC is split the same way: labels before QC and their flow errors depend on the
// cellprob threshold only, so a new flow threshold just drops the masks whose error exceeds it.
import { blockThresholdBounds, followFlowsTracked, writeBlockBounds, type FollowInput } from './follow-flows.ts';

/** Float32 arrays of a given length; a host may back them with shared memory. */
export type Float32Allocator = (length: number) => Float32Array;

/**
 * The masked field F = dP * (cellprob > t) / 5 and the block threshold ranges of one 2-D flows
 * pair, kept across thresholds: moving t changes only the pixels whose cellprob lies between the
 * old and the new threshold, so a slider step rewrites those pixels and the (up to 4) blocks that
 * hold each of them instead of building both arrays again. The same values as prepareDynamics and
 * blockThresholdBounds at t. The arrays are rewritten in place: no integration may read them
 * while setThreshold runs.
 */
export class ThresholdField {
  readonly field: Float32Array;
  readonly blockLo: Float32Array;
  readonly blockHi: Float32Array;
  private threshold: number | null = null;
  private indsScratch: Int32Array | null = null;

  constructor(
    private readonly dP: Float32Array,
    private readonly cellprob: Float32Array,
    readonly shape: readonly [number, number],
    alloc: Float32Allocator = (length) => new Float32Array(length),
  ) {
    const plane = shape[0] * shape[1];
    if (cellprob.length !== plane || dP.length !== 2 * plane) throw new RangeError(`ThresholdField: dP (${dP.length}) / cellprob (${cellprob.length}) do not match [${shape.join(', ')}]`);
    this.field = alloc(2 * plane);
    this.blockLo = alloc(plane);
    this.blockHi = alloc(plane);
  }

  /** Bytes held, for cache budgets. */
  get byteLength(): number {
    return this.field.byteLength + this.blockLo.byteLength + this.blockHi.byteLength + (this.indsScratch?.byteLength ?? 0);
  }

  /** Moves to threshold t; returns the foreground pixels (cellprob > t) in raster order. */
  setThreshold(t: number): Int32Array {
    const { dP, cellprob, field, blockLo, blockHi } = this;
    const [ly, lx] = this.shape;
    const plane = ly * lx;
    const t0 = this.threshold;
    if (t0 === null) {
      const b = blockThresholdBounds(cellprob, ly, lx, t);
      blockLo.set(b.lo);
      blockHi.set(b.hi);
    }
    const scratch = (this.indsScratch ??= new Int32Array(plane));
    let n = 0;
    if (t0 === null) {
      for (let i = 0; i < plane; i++) {
        const fg = cellprob[i] > t;
        if (fg) scratch[n++] = i;
        // NaN flows are zero, as in prepareDynamics
        const vy = dP[i];
        const vx = dP[plane + i];
        field[i] = fg && Number.isFinite(vy) ? vy / 5 : 0;
        field[plane + i] = fg && Number.isFinite(vx) ? vx / 5 : 0;
      }
    } else {
      // only pixels with cellprob in (lower, upper] change side
      const lower = Math.min(t, t0);
      const upper = Math.max(t, t0);
      for (let i = 0; i < plane; i++) {
        const c = cellprob[i];
        if (c > t) scratch[n++] = i;
        if (c > lower && c <= upper) this.flip(i, c > t, t);
      }
    }
    const inds = scratch.slice(0, n);
    this.threshold = t;
    return inds;
  }

  /** Pixel i changed side at threshold t: its field value and the (up to 4) blocks that read it. */
  private flip(i: number, fg: boolean, t: number): void {
    const { dP, field } = this;
    const lx = this.shape[1];
    const plane = field.length / 2;
    const vy = dP[i];
    const vx = dP[plane + i];
    field[i] = fg && Number.isFinite(vy) ? vy / 5 : 0;
    field[plane + i] = fg && Number.isFinite(vx) ? vx / 5 : 0;
    const y = (i / lx) | 0;
    const x = i - y * lx;
    this.updateBlock(y, x, t);
    if (x > 0) this.updateBlock(y, x - 1, t);
    if (y > 0) {
      this.updateBlock(y - 1, x, t);
      if (x > 0) this.updateBlock(y - 1, x - 1, t);
    }
  }

  /** blockThresholdBounds of the one block at (y, x). */
  private updateBlock(y: number, x: number, t: number): void {
    const [ly, lx] = this.shape;
    const a = y * lx + x;
    writeBlockBounds(this.cellprob, a, x < lx - 1 ? a + 1 : a, y < ly - 1 ? lx : 0, t, this.blockLo, this.blockHi);
  }
}

/** End points of every pixel integrated so far for one (dP, cellprob, niter), with their ranges. */
export class PositionCache {
  readonly py: Float32Array;
  readonly px: Float32Array;
  /** Threshold range [lo, hi) of each cached point; lo = NaN marks a pixel never integrated. */
  readonly lo: Float32Array;
  readonly hi: Float32Array;

  constructor(
    readonly shape: readonly [number, number],
    readonly niter: number,
  ) {
    const plane = shape[0] * shape[1];
    this.py = new Float32Array(plane);
    this.px = new Float32Array(plane);
    this.lo = new Float32Array(plane).fill(NaN);
    this.hi = new Float32Array(plane);
  }

  /** Bytes held, for cache budgets. */
  get byteLength(): number {
    return 4 * this.py.byteLength;
  }

  /** The points of `inds` (foreground at `threshold`) whose cached end point is not valid there. */
  stale(inds: Int32Array, threshold: number): Int32Array {
    const { lo, hi } = this;
    const out = new Int32Array(inds.length);
    let k = 0;
    for (let j = 0; j < inds.length; j++) {
      const i = inds[j];
      // lo <= t < hi; NaN (never integrated) fails the test
      if (!(lo[i] <= threshold && threshold < hi[i])) out[k++] = i;
    }
    return out.subarray(0, k);
  }

  /** Stores followFlowsTracked results (4, n) for the points `inds`. */
  store(inds: Int32Array, tracked: Float32Array): void {
    const n = inds.length;
    if (tracked.length !== 4 * n) throw new RangeError(`PositionCache.store: ${tracked.length} values for ${n} points, expected ${4 * n}`);
    for (let j = 0; j < n; j++) {
      const i = inds[j];
      this.py[i] = tracked[j];
      this.px[i] = tracked[n + j];
      this.lo[i] = tracked[2 * n + j];
      this.hi[i] = tracked[3 * n + j];
    }
  }

  /** End positions (2, n) of the points `inds`, all of which must be cached. */
  gather(inds: Int32Array): Float32Array {
    const n = inds.length;
    const p = new Float32Array(2 * n);
    for (let j = 0; j < n; j++) {
      p[j] = this.py[inds[j]];
      p[n + j] = this.px[inds[j]];
    }
    return p;
  }
}

/** The dynamics input restricted to some of its points (same field, shape, niter, method). */
export function withPoints(input: FollowInput, inds: Int32Array): FollowInput {
  return { ...input, inds };
}

/**
 * followFlows of `input` (2-D pixel-bilinear, field masked at `threshold`) through the cache:
 * integrates only the stale points (in this thread) and returns all end positions (2, n).
 */
export function followFlowsCached(input: FollowInput, cellprob: Float32Array, threshold: number, cache: PositionCache): { p: Float32Array; recomputed: number } {
  const [ly, lx] = input.shape;
  if (cache.shape[0] !== ly || cache.shape[1] !== lx || cache.niter !== Math.trunc(input.niter)) {
    throw new RangeError('followFlowsCached: the cache belongs to another shape or niter');
  }
  const stale = cache.stale(input.inds, threshold);
  if (stale.length > 0) {
    const blocks = blockThresholdBounds(cellprob, ly, lx, threshold);
    cache.store(stale, followFlowsTracked(withPoints(input, stale), blocks));
  }
  return { p: cache.gather(input.inds), recomputed: stale.length };
}

/** Per-label flags (length max + 1) of the labels whose flow error exceeds flowThreshold; null if none. */
export function badFlowLabels(errors: Float64Array | null, flowThreshold: number): Uint8Array | null {
  if (!errors || !(flowThreshold > 0)) return null;
  const bad = new Uint8Array(errors.length + 1);
  let any = false;
  for (let l = 1; l <= errors.length; l++) {
    if (errors[l - 1] > flowThreshold) {
      bad[l] = 1;
      any = true;
    }
  }
  return any ? bad : null;
}

/** Labels before QC with every label whose flow error exceeds flowThreshold set to 0 (a copy). */
export function dropBadFlowMasks<T extends Uint16Array | Uint32Array>(labels: T, errors: Float64Array | null, flowThreshold: number): T {
  const out = labels.slice() as T;
  const bad = badFlowLabels(errors, flowThreshold);
  if (!bad) return out;
  for (let i = 0; i < out.length; i++) if (bad[out[i]]) out[i] = 0;
  return out;
}
