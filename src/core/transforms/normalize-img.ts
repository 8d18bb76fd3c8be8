// normalize_img (ALGORITHMS.md 2.2.2): the `normalize` options of Cellpose v3.1.
import { normalize99Channel } from './normalize99.ts';
import { normalize99Tile } from './normalize-tile.ts';
import { smoothSharpen } from './smooth-sharpen.ts';

export interface NormalizeOptions {
  /** Run percentile normalization (default true). */
  normalize: boolean;
  /** [low, high] percentiles, 0 <= low < high <= 100 (default [1, 99]). */
  percentile: [number, number];
  /** Explicit (low, high) for all channels or one pair per channel; overrides percentiles. */
  lowhigh: [number, number] | [number, number][] | null;
  /** One percentile pair per channel over the whole stack (true) or per plane (false). */
  norm3D: boolean;
  /** 1 − x after normalization, on the channels that were normalized. */
  invert: boolean;
  /** > 0: tile-wise percentile normalization with blocks of this size. */
  tileNormBlocksize: number;
  /** z smoothing (σ, in tile rows as Cellpose applies it) of the tile percentiles with norm3D. */
  tileNormSmooth3D?: number;
  /** > 0: Gaussian smoothing of each plane with this σ (pixels) before the percentiles. */
  smoothRadius?: number;
  /** > 0: subtract a Gaussian surround of this σ (pixels) before the percentiles. */
  sharpenRadius?: number;
}

export const DEFAULT_NORMALIZE: NormalizeOptions = {
  normalize: true,
  percentile: [1, 99],
  lowhigh: null,
  norm3D: true,
  invert: false,
  tileNormBlocksize: 0,
};

/** Cellpose's condition on a percentile pair: 0 <= low < high <= 100. */
export function percentilePairOk(low: number, high: number): boolean {
  return low >= 0 && low < high && high <= 100;
}

function channelIsConstant(data: Float32Array, start: number, count: number, stride: number): boolean {
  const first = data[start];
  for (let p = 1; p < count; p++) if (data[start + p * stride] !== first) return false;
  return true;
}

/**
 * Normalize a (nimg, Ly, Lx, nchan) float32 array in place. Constant channels are left unchanged
 * (v3 behaviour: the all-zero second channel stays 0, a constant non-zero one stays non-zero).
 */
export function normalizeImg(data: Float32Array, shape: readonly [number, number, number, number], opts: NormalizeOptions): void {
  const [nimg, ly, lx, nchan] = shape;
  const marked = new Array<boolean>(nchan).fill(false);
  if (opts.lowhigh) {
    const pairs: [number, number][] = Array.isArray(opts.lowhigh[0]) ? (opts.lowhigh as [number, number][]) : Array.from({ length: nchan }, () => opts.lowhigh as [number, number]);
    if (pairs.length !== nchan) throw new RangeError(`lowhigh has ${pairs.length} pairs for ${nchan} channels`);
    for (let c = 0; c < nchan; c++) {
      const [lo, hi] = pairs[c];
      // Cellpose divides without the 1e-3 guard here
      const lo32 = Math.fround(lo);
      const range = Math.fround(Math.fround(hi) - lo32);
      for (let p = 0; p < nimg * ly * lx; p++) data[p * nchan + c] = Math.fround(data[p * nchan + c] - lo32) / range;
      marked[c] = true;
    }
  } else {
    const [pl, ph] = opts.percentile;
    if (!percentilePairOk(pl, ph)) throw new RangeError(`percentile [${pl}, ${ph}] must satisfy 0 <= low < high <= 100`);
    // smooth_radius / sharpen_radius: filtered first, then normalized (not with lowhigh)
    smoothSharpen(data, shape, opts.smoothRadius ?? 0, opts.sharpenRadius ?? 0);
    if (opts.tileNormBlocksize > 0) {
      // v3.1 does not mark channels as normalized here, so invert is silently ignored (2.2.2)
      normalize99Tile(data, shape, opts.tileNormBlocksize, pl, ph, opts.norm3D, opts.tileNormSmooth3D ?? 1);
      return;
    } else if (opts.normalize) {
      const plane = ly * lx;
      if (opts.norm3D || nimg === 1) {
        for (let c = 0; c < nchan; c++) {
          if (channelIsConstant(data, c, nimg * plane, nchan)) continue;
          normalize99Channel(data, shape, c, pl, ph);
          marked[c] = true;
        }
      } else {
        for (let z = 0; z < nimg; z++) {
          const sub = data.subarray(z * plane * nchan, (z + 1) * plane * nchan);
          for (let c = 0; c < nchan; c++) {
            if (channelIsConstant(sub, c, plane, nchan)) continue;
            normalize99Channel(sub, [1, ly, lx, nchan], c, pl, ph);
            marked[c] = true;
          }
        }
      }
    }
  }
  if (opts.invert) {
    if (!marked.some((m) => m)) throw new RangeError('invert needs normalization (normalize or lowhigh)');
    for (let c = 0; c < nchan; c++) {
      if (!marked[c]) continue;
      for (let p = 0; p < nimg * ly * lx; p++) data[p * nchan + c] = 1 - data[p * nchan + c];
    }
  }
}
