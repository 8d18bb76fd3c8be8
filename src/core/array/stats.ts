// Percentiles as numpy computes them by default (method 'linear'), used for Cellpose's
// auto-saturation levels (per channel [p1, p99] over the whole stack, GUI_AND_FORMATS A.3).
import type { TypedArray } from './ndarray.ts';

/**
 * numpy's 'linear' interpolation between order statistics lo = v[i] and hi = v[i+1] at fraction t.
 * numpy evaluates the mirrored form when t >= 0.5 (ALGORITHMS 2.2.1); the two differ in the last
 * bit, so matching numpy bit for bit needs the same branch.
 */
export function lerpLinear(lo: number, hi: number, t: number): number {
  return t >= 0.5 ? hi - (hi - lo) * (1 - t) : lo + (hi - lo) * t;
}

/** The rank position r = p/100 * (n-1) split into integer index and fraction. */
function rankOf(p: number, n: number): { i: number; t: number } {
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile ${p} is outside [0, 100]`);
  const r = (p / 100) * (n - 1);
  const i = Math.floor(r);
  return { i, t: r - i };
}

/** Percentiles of already sorted, NaN-free values. */
export function percentilesOfSorted(sorted: ArrayLike<number>, ps: readonly number[]): number[] {
  const n = sorted.length;
  if (n === 0) throw new RangeError('percentile of an empty array');
  return ps.map((p) => {
    const { i, t } = rankOf(p, n);
    const lo = sorted[i];
    return i + 1 < n ? lerpLinear(lo, sorted[i + 1], t) : lo;
  });
}

const KEY_BINS = 1 << 16;
/** Below this many values sorting a copy is as fast as the two histogram passes. */
const SELECT_MIN_VALUES = 1 << 14;
const scratchF32 = new Float32Array(1);
const scratchU32 = new Uint32Array(scratchF32.buffer);

/** An unsigned key of a float32's bits that orders as the floats do: the sign bit set for
 *  positives, all bits flipped for negatives (so -0 ranks below +0). */
function orderKey(bits: number): number {
  return (bits & 0x80000000 ? ~bits : bits ^ 0x80000000) >>> 0;
}

/** The float32 whose order key is `key` (the inverse of orderKey). */
function floatOfKey(key: number): number {
  scratchU32[0] = key & 0x80000000 ? key ^ 0x80000000 : ~key;
  return scratchF32[0];
}

/**
 * The values of the given 0-based ranks in ascending order of NaN-free float32 data, exactly as
 * `Float32Array.from(values).sort()[rank]`, without sorting: one histogram pass over the high 16
 * bits of each float's order key finds each rank's bin, and a second pass over the low 16 bits of
 * those bins finds the key. O(n), no copy.
 */
export function orderStatisticsF32(values: Float32Array, ranks: readonly number[]): number[] {
  const n = values.length;
  for (const r of ranks) if (!(Number.isInteger(r) && r >= 0 && r < n)) throw new RangeError(`rank ${r} outside 0..${n - 1}`);
  if (n < SELECT_MIN_VALUES) {
    const sorted = Float32Array.from(values).sort();
    return ranks.map((r) => sorted[r]);
  }
  const bits = new Uint32Array(values.buffer, values.byteOffset, n);
  const high = new Uint32Array(KEY_BINS);
  for (let k = 0; k < n; k++) high[orderKey(bits[k]) >>> 16]++;
  // each rank's high bin and its rank inside that bin
  const cumulative = new Float64Array(KEY_BINS + 1);
  for (let h = 0; h < KEY_BINS; h++) cumulative[h + 1] = cumulative[h] + high[h];
  const binOf = ranks.map((r) => {
    let lo = 0;
    let hi = KEY_BINS - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cumulative[mid + 1] > r) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  });
  const bins = [...new Set(binOf)];
  const low = bins.map(() => new Uint32Array(KEY_BINS));
  const slot = new Int32Array(KEY_BINS).fill(-1);
  bins.forEach((b, i) => (slot[b] = i));
  for (let k = 0; k < n; k++) {
    const key = orderKey(bits[k]);
    const s = slot[key >>> 16];
    if (s >= 0) low[s][key & 0xffff]++;
  }
  return ranks.map((r, j) => {
    const b = binOf[j];
    const hist = low[slot[b]];
    let acc = cumulative[b];
    for (let l = 0; l < KEY_BINS; l++) {
      acc += hist[l];
      if (acc > r) return floatOfKey(((b << 16) | l) >>> 0);
    }
    throw new RangeError(`rank ${r} not found`); // unreachable: the bin holds the rank
  });
}

/** numpy.percentile of NaN-free float32 data ('linear'), from order statistics rather than a sort. */
export function percentilesOfF32(values: Float32Array, ps: readonly number[]): number[] {
  const n = values.length;
  if (n === 0) throw new RangeError('percentile of an empty array');
  const at = ps.map((p) => rankOf(p, n));
  const ranks = at.flatMap(({ i }) => (i + 1 < n ? [i, i + 1] : [i]));
  const v = orderStatisticsF32(values, ranks);
  let k = 0;
  return at.map(({ i, t }) => {
    const lo = v[k++];
    return i + 1 < n ? lerpLinear(lo, v[k++], t) : lo;
  });
}

/**
 * numpy.percentile(values, ps) (method 'linear'). NaNs are skipped, as numpy.nanpercentile does:
 * display levels should come from the finite pixels rather than become NaN.
 */
export function percentilesLinear(values: ArrayLike<number>, ps: readonly number[]): number[] {
  const copy = new Float64Array(values.length);
  let n = 0;
  for (let k = 0; k < values.length; k++) {
    const v = values[k];
    if (!Number.isNaN(v)) copy[n++] = v;
  }
  const sorted = copy.subarray(0, n).sort();
  return percentilesOfSorted(sorted, ps);
}

/** numpy.percentile(values, p) for one p. */
export function percentileLinear(values: ArrayLike<number>, p: number): number {
  return percentilesLinear(values, [p])[0];
}

/** Value of the k-th smallest element (0-based) from a histogram of integer values starting at `offset`. */
function kthFromHistogram(hist: Uint32Array | Float64Array, offset: number, k: number): number {
  let acc = 0;
  for (let v = 0; v < hist.length; v++) {
    acc += hist[v];
    if (acc > k) return v + offset;
  }
  throw new RangeError(`rank ${k} beyond histogram total ${acc}`);
}

/**
 * Per-channel percentiles of an interleaved (..., C) array, e.g. an image stack in (Z, Y, X, C).
 * 8- and 16-bit integer data go through a histogram (exact, O(n), no copy of a big stack); other
 * dtypes are copied per channel (finite values only) and sorted. Returns one array of len(ps)
 * values per channel.
 */
export function channelPercentiles(data: TypedArray, nChannels: number, ps: readonly number[]): number[][] {
  if (!Number.isInteger(nChannels) || nChannels < 1) throw new RangeError(`bad channel count ${nChannels}`);
  if (data.length % nChannels !== 0) throw new RangeError(`${data.length} values are not a whole number of ${nChannels}-channel pixels`);
  const nPix = data.length / nChannels;
  const out: number[][] = [];
  const small =
    data instanceof Uint8Array || data instanceof Int8Array || data instanceof Uint16Array || data instanceof Int16Array;
  for (let c = 0; c < nChannels; c++) {
    if (small) {
      const offset = data instanceof Int8Array ? -128 : data instanceof Int16Array ? -32768 : 0;
      const size = data instanceof Uint8Array || data instanceof Int8Array ? 256 : 65536;
      const hist = new Float64Array(size);
      for (let k = c; k < data.length; k += nChannels) hist[data[k] - offset]++;
      if (nPix === 0) throw new RangeError('percentile of an empty array');
      out.push(
        ps.map((p) => {
          const { i, t } = rankOf(p, nPix);
          const lo = kthFromHistogram(hist, offset, i);
          return i + 1 < nPix ? lerpLinear(lo, kthFromHistogram(hist, offset, i + 1), t) : lo;
        }),
      );
    } else {
      // Display levels come from the finite pixels: NaN and +-Inf (masked or saturated float
      // images) would otherwise make the levels NaN or infinite. A channel with no finite pixel
      // gets NaN levels, for the host to replace.
      const ch = new Float64Array(nPix);
      let n = 0;
      for (let k = c; k < data.length; k += nChannels) {
        const v = Number(data[k]);
        if (Number.isFinite(v)) ch[n++] = v;
      }
      out.push(n === 0 ? ps.map(() => Number.NaN) : percentilesOfSorted(ch.subarray(0, n).sort(), ps));
    }
  }
  return out;
}
