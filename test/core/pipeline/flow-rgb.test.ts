// The flow picture's edge cases; its agreement with Cellpose's own flows[0] on real files is in
// test/core/dynamics/cellpose-fixtures.test.ts.
import { describe, expect, it } from 'vitest';
import { flowToRgb } from '../../../src/core/pipeline/flow-rgb.ts';

/** Planar (2, n) flows from per-pixel [dY, dX] pairs. */
function planar(pairs: Array<[number, number]>): Float32Array {
  const n = pairs.length;
  const dP = new Float32Array(2 * n);
  pairs.forEach(([dy, dx], p) => {
    dP[p] = dy;
    dP[n + p] = dx;
  });
  return dP;
}

describe('flowToRgb (Cellpose plot.dx_to_circ)', () => {
  it('colours by angle and scales brightness by the 1-99 percentiles of the magnitude', () => {
    // 100 pixels: one at full magnitude in each of four directions, the rest zero
    const pairs: Array<[number, number]> = Array.from({ length: 100 }, () => [0, 0]);
    pairs[96] = [0, 5]; // dY 0, dX +5: atan2(5, 0) + π = 1.5π
    pairs[97] = [5, 0]; // atan2(0, 5) + π = π
    pairs[98] = [0, -5];
    pairs[99] = [-5, 0];
    const rgb = flowToRgb(planar(pairs), 2, 100);
    // the 99th percentile (linear) sits at 0.01 of the way from index 98 to 99 of the sorted
    // magnitudes, both 5: every non-zero pixel is at brightness 255 / 2
    // angle π: cos = -1, cos(π + 2π/3) = 0.5, cos(π + 4π/3) = 0.5
    expect(Array.from(rgb.subarray(97 * 3, 98 * 3))).toEqual([0, 191, 191]);
    // angle 1.5π: cos = 0, cos(1.5π + 2π/3) = cos(13π/6) = 0.866, cos(1.5π + 4π/3) = -0.866
    expect(Array.from(rgb.subarray(96 * 3, 97 * 3))).toEqual([127, 237, 17]);
    // angle 0.5π (dX = -5): the mirror image
    expect(Array.from(rgb.subarray(98 * 3, 99 * 3))).toEqual([127, 17, 237]);
    // angle 0 (dY = -5): cos = 1 -> 255, the others cos(2π/3) = -0.5 -> 63
    expect(Array.from(rgb.subarray(99 * 3, 100 * 3))).toEqual([255, 63, 63]);
    expect(Array.from(rgb.subarray(0, 3))).toEqual([0, 0, 0]);
  });

  it('is black when the magnitude range is at most 1e-3 (normalize99 zeroes it) or a flow is NaN', () => {
    const flat = planar(Array.from({ length: 50 }, () => [0.3, 0.4] as [number, number]));
    expect(flowToRgb(flat, 2, 50).every((v) => v === 0)).toBe(true);
    const pairs: Array<[number, number]> = Array.from({ length: 50 }, (_, k) => [k, -k]);
    pairs[7] = [Number.NaN, 1];
    expect(flowToRgb(planar(pairs), 2, 50).every((v) => v === 0)).toBe(true);
  });

  it('uses all three components for the 3-D magnitude and atan2(dY, dZ) for the hue', () => {
    const n = 4;
    // (dZ, dY, dX) per pixel: the magnitude includes dX, the hue ignores it
    const dP = new Float32Array([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 5]);
    const rgb = flowToRgb(dP, 3, n);
    // pixel 3 has magnitude 5 (the 99th percentile), pixel 2 magnitude 1; both have dZ = dY = 0,
    // so atan2(0, 0) + π = π: red 0, green and blue at cos(5π/3) + 1 = 1.5 times the brightness
    expect(Array.from(rgb.subarray(9, 12))).toEqual([0, 191, 191]);
    // pixel 2: (1 - 0.05) / (4.88 - 0.05) of the way up (numpy's dx_to_circ gives the same)
    expect(Array.from(rgb.subarray(6, 9))).toEqual([0, 39, 39]);
  });

  it('refuses flows shorter than the components and pixels it is told', () => {
    expect(() => flowToRgb(new Float32Array(5), 2, 3)).toThrow(/holds 5 values, not 2 components of 3 pixels/);
  });
});
