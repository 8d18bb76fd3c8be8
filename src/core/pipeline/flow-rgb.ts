// The flow picture of Cellpose's eval output (ALGORITHMS.md 7.5, plot.dx_to_circ): hue = flow
// angle, brightness = magnitude scaled by its 1-99 percentiles over the image.
import { percentilesF32 } from '../transforms/normalize99.ts';

/** dP (ncomp, npix) planar -> (npix, 3) uint8. For 3-D dP the angle uses atan2(dP[1], dP[0]) =
 *  atan2(dY, dZ) as Cellpose implements it. */
export function flowToRgb(dP: Float32Array, ncomp: number, npix: number): Uint8Array {
  const mag = new Float32Array(npix);
  for (let p = 0; p < npix; p++) {
    let s = 0;
    for (let c = 0; c < ncomp; c++) s += dP[c * npix + p] * dP[c * npix + p];
    mag[p] = Math.sqrt(s);
  }
  const [lo, hi] = npix > 0 ? percentilesF32(mag, [1, 99]) : [0, 0];
  const range = hi - lo;
  const rgb = new Uint8Array(npix * 3);
  const clip = (v: number): number => Math.min(255, Math.max(0, v));
  for (let p = 0; p < npix; p++) {
    const m = (255 * Math.min(1, Math.max(0, range > 1e-3 ? (mag[p] - lo) / range : 0))) / 2;
    const a = Math.atan2(dP[npix + p], dP[p]) + Math.PI;
    rgb[p * 3] = Math.trunc(clip(m * (Math.cos(a) + 1)));
    rgb[p * 3 + 1] = Math.trunc(clip(m * (Math.cos(a + (2 * Math.PI) / 3) + 1)));
    rgb[p * 3 + 2] = Math.trunc(clip(m * (Math.cos(a + (4 * Math.PI) / 3) + 1)));
  }
  return rgb;
}
