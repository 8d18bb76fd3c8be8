// The flow picture of Cellpose's eval output (ALGORITHMS.md 7.5, plot.dx_to_circ): hue = flow
// angle, brightness = magnitude scaled by its 1-99 percentiles over the image (normalize99, with
// its "range <= 1e-3 -> all zeros" rule), in float32 as numpy computes it on float32 flows.
import { percentilesOfF32 } from '../array/stats.ts';

const HALF_SQRT3 = Math.sqrt(3) / 2;

/**
 * dP (ncomp, npix) planar -> (npix, 3) uint8: (Ly, Lx, 3) for 2-D flows, (Lz, Ly, Lx, 3) for 3-D.
 * The magnitude uses every component; the angle is atan2(dP[1], dP[0]), which for 3-D flows is
 * atan2(dY, dZ), as Cellpose implements it.
 *
 * Cellpose takes cos(θ + π + k·2π/3) for k = 0, 1, 2 with θ = atan2(y, x). Here those are
 * expanded with cos θ = x/r and sin θ = y/r (r = |(x, y)|), which needs no trigonometry and is 5×
 * faster on a 1024² image. The two differ only by float32 rounding of the angle, so a channel can
 * land one grey level off where numpy's product sits within ~1e-5 of an integer (fewer than 1 in
 * 10⁴ pixels on Cellpose's own files, test/core/dynamics/cellpose-fixtures.test.ts).
 */
export function flowToRgb(dP: Float32Array, ncomp: number, npix: number): Uint8Array {
  if (dP.length < ncomp * npix || ncomp < 2) throw new RangeError(`flowToRgb: dP holds ${dP.length} values, not ${ncomp} components of ${npix} pixels`);
  const rgb = new Uint8Array(npix * 3);
  if (npix === 0) return rgb;
  const mag = new Float32Array(npix);
  for (let p = 0; p < npix; p++) {
    let s = 0;
    for (let c = 0; c < ncomp; c++) {
      const v = dP[c * npix + p];
      s = Math.fround(s + Math.fround(v * v));
    }
    mag[p] = Math.sqrt(s);
    // numpy's percentile of an array with a NaN is NaN, and normalize99 then zeroes the whole
    // magnitude: the picture is black
    if (s !== s) return rgb;
  }
  const [lo, hi] = percentilesOfF32(mag, [1, 99]).map(Math.fround);
  const range = Math.fround(hi - lo);
  if (!(range > 1e-3)) return rgb;
  for (let p = 0; p < npix; p++) {
    let m = Math.fround(Math.fround(mag[p] - lo) / range);
    m = m < 0 ? 0 : m > 1 ? 1 : m;
    m = Math.fround(Math.fround(255 * m) / 2);
    if (m === 0) continue;
    const x = dP[p];
    const y = dP[npix + p];
    const r = Math.sqrt(x * x + y * y);
    let c0: number;
    let c1: number;
    let c2: number;
    if (r > 0) {
      c0 = -x / r;
      c1 = (0.5 * x + HALF_SQRT3 * y) / r;
      c2 = (0.5 * x - HALF_SQRT3 * y) / r;
    } else {
      // atan2 of ±0 components is 0 or ±π (signed zeros), so keep the real angle here
      const a = Math.fround(Math.fround(Math.atan2(y, x)) + Math.PI);
      c0 = Math.cos(a);
      c1 = Math.cos(a + (2 * Math.PI) / 3);
      c2 = Math.cos(a + (4 * Math.PI) / 3);
    }
    const v0 = Math.fround(m * Math.fround(c0 + 1));
    const v1 = Math.fround(m * Math.fround(c1 + 1));
    const v2 = Math.fround(m * Math.fround(c2 + 1));
    // astype('uint8') after clip(0, 255) truncates
    rgb[p * 3] = v0 <= 0 ? 0 : v0 >= 255 ? 255 : v0;
    rgb[p * 3 + 1] = v1 <= 0 ? 0 : v1 >= 255 ? 255 : v1;
    rgb[p * 3 + 2] = v2 <= 0 ? 0 : v2 >= 255 ? 255 : v2;
  }
  return rgb;
}
