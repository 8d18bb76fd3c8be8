// normalize99 (ALGORITHMS.md 2.2.1): numpy 'linear' percentiles per channel, then
// (x - lo) / (hi - lo) in float32; a (near-)constant channel becomes all zeros.
import { percentilesOfF32 } from '../array/stats.ts';

/** Arrays with more elements than this have their percentiles taken on a strided subset (v3.1). */
export const PERCENTILE_SUBSAMPLE_ELEMENTS = 224 * 224 * 224;

/**
 * The values used for the percentiles of one channel of a (nimg, Ly, Lx, nchan) array. Above
 * 224^3 elements Cellpose v3.1 samples with stride max(1, L//224) along Y and X and max(1, nimg//50)
 * along the image axis (slices start at 0).
 */
export function percentileSample(data: Float32Array, shape: readonly [number, number, number, number], channel: number): Float32Array {
  const [nimg, ly, lx, nchan] = shape;
  const n = nimg * ly * lx;
  const big = n > PERCENTILE_SUBSAMPLE_ELEMENTS;
  const sz = big ? Math.max(1, Math.floor(nimg / 50)) : 1;
  const sy = big ? Math.max(1, Math.floor(ly / 224)) : 1;
  const sx = big ? Math.max(1, Math.floor(lx / 224)) : 1;
  const count = Math.ceil(nimg / sz) * Math.ceil(ly / sy) * Math.ceil(lx / sx);
  const out = new Float32Array(count);
  let k = 0;
  for (let z = 0; z < nimg; z += sz) {
    for (let y = 0; y < ly; y += sy) {
      const row = ((z * ly + y) * lx) * nchan + channel;
      for (let x = 0; x < lx; x += sx) out[k++] = data[row + x * nchan];
    }
  }
  return out;
}

/** numpy.percentile of float32 data, rounded to float32 as numpy returns it for float32 input. */
export function percentilesF32(values: Float32Array, ps: readonly number[]): number[] {
  for (let i = 0; i < values.length; i++) {
    if (Number.isNaN(values[i])) throw new RangeError('cannot normalize: the image contains NaN values');
  }
  return percentilesOfF32(values, ps).map(Math.fround);
}

/** Apply (x − lo)/(hi − lo) in float32 to one channel in place; all zeros when hi − lo <= 1e-3. */
export function applyLowHigh(data: Float32Array, shape: readonly [number, number, number, number], channel: number, lo: number, hi: number): void {
  const [nimg, ly, lx, nchan] = shape;
  const n = nimg * ly * lx;
  const lo32 = Math.fround(lo);
  const range = Math.fround(Math.fround(hi) - lo32);
  if (range > 1e-3) {
    for (let p = 0; p < n; p++) {
      const i = p * nchan + channel;
      data[i] = Math.fround(data[i] - lo32) / range;
    }
  } else {
    for (let p = 0; p < n; p++) data[p * nchan + channel] = 0;
  }
}

/** normalize99 of one channel of a (nimg, Ly, Lx, nchan) float32 array, in place. */
export function normalize99Channel(
  data: Float32Array,
  shape: readonly [number, number, number, number],
  channel: number,
  lower = 1,
  upper = 99,
): { lo: number; hi: number } {
  const [lo, hi] = percentilesF32(percentileSample(data, shape, channel), [lower, upper]);
  applyLowHigh(data, shape, channel, lo, hi);
  return { lo, hi };
}
