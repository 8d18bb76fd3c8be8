// percentileLinear / channelPercentiles against numpy.percentile on real images.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { channelPercentiles, orderStatisticsF32, percentileLinear, percentilesLinear, percentilesOfF32, percentilesOfSorted } from '../../../src/core/array/stats.ts';
import { sharedPath } from '../../helpers/shared-data.ts';

const IMG = sharedPath('data/stardist-dsb2018-sample-2d/img2d.tif');

/** Pixels of a real image and numpy's percentiles of them, from Debian's /usr/bin/python3 (tifffile + numpy). */
function numpyReference(ps: number[]): { pixels: Uint16Array; expected: number[]; expectedF32: number[] } {
  const script = `
import sys, json, numpy as np, tifffile
a = tifffile.imread(${JSON.stringify(IMG)})
ps = ${JSON.stringify(ps)}
f = (a.astype(np.float32) / 7.0)
sys.stdout.write(json.dumps({'shape': list(a.shape), 'dtype': str(a.dtype),
  'p': [float(v) for v in np.percentile(a, ps)], 'pf': [float(v) for v in np.percentile(f.astype(np.float64), ps)]}) + '\\n')
sys.stdout.flush()
sys.stdout.buffer.write(np.ascontiguousarray(a, dtype='<u2').tobytes())
`;
  const out = execFileSync('/usr/bin/python3', ['-c', script], { maxBuffer: 64 << 20 });
  const nl = out.indexOf(10);
  const meta = JSON.parse(out.subarray(0, nl).toString()) as { shape: number[]; dtype: string; p: number[]; pf: number[] };
  expect(meta.dtype).toBe('uint16');
  const raw = out.subarray(nl + 1);
  const pixels = new Uint16Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
  expect(pixels.length).toBe(meta.shape[0] * meta.shape[1]);
  return { pixels, expected: meta.p, expectedF32: meta.pf };
}

describe('numpy-linear percentiles', () => {
  const ps = [0, 1, 2.5, 50, 99, 99.9, 100];
  const ref = numpyReference(ps);

  it('match numpy.percentile on a real uint16 image, via the histogram path', () => {
    const got = channelPercentiles(ref.pixels, 1, ps)[0];
    got.forEach((v, k) => expect(v).toBe(ref.expected[k]));
  });

  it('match numpy.percentile on non-integer values, via the sort path', () => {
    const f = new Float32Array(ref.pixels.length);
    for (let i = 0; i < f.length; i++) f[i] = ref.pixels[i] / 7;
    // numpy got float64 of the float32 values, so compare like for like.
    const got = percentilesLinear(f, ps);
    got.forEach((v, k) => expect(v).toBe(ref.expectedF32[k]));
  });

  it('computes each interleaved channel on its own', () => {
    const n = ref.pixels.length;
    const twoCh = new Uint16Array(2 * n);
    for (let i = 0; i < n; i++) {
      twoCh[2 * i] = ref.pixels[i];
      twoCh[2 * i + 1] = 65535 - ref.pixels[i];
    }
    const [c0, c1] = channelPercentiles(twoCh, 2, [1, 99]);
    expect(c0).toEqual([ref.expected[1], ref.expected[4]]);
    // Percentiles of 65535 - x are 65535 minus the mirrored percentiles of x.
    expect(c1[0]).toBeCloseTo(65535 - ref.expected[4], 9);
    expect(c1[1]).toBeCloseTo(65535 - ref.expected[1], 9);
  });

  it('interpolates like numpy on a tiny example and skips NaN', () => {
    // np.percentile([1, 2, 3, 4], 40) = 1 + 0.4*3 -> rank 1.2 -> 2.2
    expect(percentileLinear([4, 1, 3, 2], 40)).toBeCloseTo(2.2, 12);
    expect(percentileLinear([NaN, 4, 1, 3, 2], 40)).toBeCloseTo(2.2, 12);
    expect(channelPercentiles(new Int8Array([-5, 5]), 1, [50])[0][0]).toBe(0);
  });

  it('takes display levels of float channels from finite pixels only (NaN for none)', () => {
    const f = new Float32Array([Number.NaN, 1, Number.POSITIVE_INFINITY, 3, Number.NaN, Number.NaN]);
    // Interleaved: channel 0 = NaN, Inf, NaN (no finite pixel); channel 1 = 1, 3, NaN.
    const [c0, c1] = channelPercentiles(f, 2, [0, 100]);
    expect(c0.every(Number.isNaN)).toBe(true);
    expect(c1).toEqual([1, 3]);
  });

  it('rejects empty input and percentiles outside [0, 100]', () => {
    expect(() => percentileLinear([], 50)).toThrow(/empty/);
    expect(() => percentileLinear([1], 101)).toThrow(/outside/);
    expect(() => percentileLinear([1], NaN)).toThrow(/outside/);
    expect(() => channelPercentiles(new Uint8Array(3), 2, [1])).toThrow(/whole number/);
  });
});

describe('orderStatisticsF32 / percentilesOfF32 (radix selection instead of a sort)', () => {
  /** Deterministic float32 data with what a sort must order right: duplicates, both zeros,
   *  negatives, infinities, subnormals and values that share their high 16 bits. */
  function awkward(n: number, seed: number): Float32Array {
    let s = seed >>> 0;
    const next = (): number => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
    const special = [0, -0, Infinity, -Infinity, 1e-45, -1e-45, 1, 1.0000001, -1, 65535.5, 3.4e38];
    const out = new Float32Array(n);
    for (let k = 0; k < n; k++) {
      const u = next();
      out[k] = u < 0.1 ? special[Math.floor(next() * special.length)] : u < 0.3 ? Math.round(next() * 20) - 10 : (next() - 0.4) * 10 ** (next() * 8 - 2);
    }
    return out;
  }

  it.each([1, 7, 16383, 16384, 100_000, 300_001])('gives the sorted array’s values at every probed rank (n = %i)', (n) => {
    const values = awkward(n, n);
    const sorted = Float32Array.from(values).sort();
    const ranks = [0, n - 1, Math.floor(n / 2), Math.floor(0.01 * (n - 1)), Math.floor(0.99 * (n - 1)), Math.min(n - 1, 1 + Math.floor(0.99 * (n - 1)))];
    const got = orderStatisticsF32(values, ranks);
    ranks.forEach((r, j) => expect(Object.is(got[j], sorted[r]), `rank ${r}: ${got[j]} vs ${sorted[r]}`).toBe(true));
    // the input is left as it was
    expect(values).toEqual(awkward(n, n));
  });

  it('matches numpy-linear percentiles of the sorted copy bit for bit', () => {
    for (const n of [2, 50_000, 262_144]) {
      const values = awkward(n, 7 * n);
      const ps = [0, 1, 2.5, 50, 99, 99.9, 100];
      const want = percentilesOfSorted(Float32Array.from(values).sort(), ps);
      const got = percentilesOfF32(values, ps);
      ps.forEach((p, j) => expect(Object.is(got[j], want[j]), `n ${n} p ${p}: ${got[j]} vs ${want[j]}`).toBe(true));
    }
  });

  it('works on a subarray view and rejects ranks outside the data', () => {
    const big = awkward(40_000, 3);
    const view = big.subarray(1000, 39_000);
    const sorted = Float32Array.from(view).sort();
    expect(orderStatisticsF32(view, [0, 100, 37_999])).toEqual([sorted[0], sorted[100], sorted[37_999]]);
    expect(() => orderStatisticsF32(view, [38_000])).toThrow(/rank 38000 outside/);
    expect(() => percentilesOfF32(new Float32Array(0), [1])).toThrow(/empty/);
  });
});
