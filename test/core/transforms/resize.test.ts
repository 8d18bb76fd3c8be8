import { describe, expect, it } from 'vitest';
import { resizeBilinear, resizeBilinearPlanes, resizeNearest, resizeNearest3D } from '../../../src/core/transforms/resize.ts';

describe('resizeBilinear (cv2 INTER_LINEAR, Appendix C)', () => {
  it('upsamples [0, 1] to 4 with half-pixel centres and clamped edges', () => {
    const out = resizeBilinear(new Float32Array([0, 1]), [1, 2, 1], 1, 4);
    expect(Array.from(out)).toEqual([0, 0.25, 0.75, 1]);
  });

  it('halving is the mean of each 2x2 block, per channel', () => {
    const ly = 4;
    const lx = 6;
    const src = new Float32Array(ly * lx * 2);
    for (let i = 0; i < src.length; i++) src[i] = Math.fround(Math.sin(i) * 10);
    const out = resizeBilinear(src, [ly, lx, 2], 2, 3);
    for (let y = 0; y < 2; y++) {
      for (let x = 0; x < 3; x++) {
        for (let c = 0; c < 2; c++) {
          const at = (yy: number, xx: number): number => src[(yy * lx + xx) * 2 + c];
          const mean = (at(2 * y, 2 * x) + at(2 * y, 2 * x + 1) + at(2 * y + 1, 2 * x) + at(2 * y + 1, 2 * x + 1)) / 4;
          expect(out[(y * 3 + x) * 2 + c]).toBeCloseTo(mean, 5);
        }
      }
    }
  });

  it('same size is the identity and a 3-to-2 shrink uses the non-integer taps', () => {
    const src = new Float32Array([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(Array.from(resizeBilinear(src, [3, 3, 1], 3, 3))).toEqual(Array.from(src));
    // scale 1.5: d=0 -> f=0.25 (0.75*1 + 0.25*2), d=1 -> f=1.75 (0.25*2 + 0.75*3) along x
    const out = resizeBilinear(new Float32Array([1, 2, 3]), [1, 3, 1], 1, 2);
    expect(Array.from(out)).toEqual([1.25, 2.75]);
  });

  it('planar stacks resize each plane alike and bad shapes are rejected', () => {
    const src = new Float32Array([0, 1, 10, 11]);
    expect(Array.from(resizeBilinearPlanes(src, [2, 1, 2], 1, 4))).toEqual([0, 0.25, 0.75, 1, 10, 10.25, 10.75, 11]);
    expect(() => resizeBilinear(new Float32Array(5), [2, 3, 1], 4, 4)).toThrow(/does not match shape/);
    expect(() => resizeBilinear(new Float32Array(6), [2, 3, 1], 0, 4)).toThrow(/positive integer/);
  });
});

describe('resizeNearest (cv2 INTER_NEAREST, floor(d*S/D))', () => {
  it('upsamples 3 -> 5 with the floor rule, not the pixel-centre rule', () => {
    const out = resizeNearest(new Uint16Array([1, 2, 3]), [1, 3], 1, 5);
    expect(out).toBeInstanceOf(Uint16Array);
    expect(Array.from(out)).toEqual([1, 1, 2, 2, 3]);
  });

  it('downsamples 5 -> 2 and keeps large uint32 labels exactly', () => {
    const big = 2 ** 30 + 7;
    const out = resizeNearest(new Uint32Array([big, 2, 3, 4, 5]), [5, 1], 2, 1);
    expect(Array.from(out)).toEqual([big, 3]);
  });

  it('3-D volumes resize per axis', () => {
    const src = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]); // (2, 2, 2)
    const out = resizeNearest3D(src, [2, 2, 2], 4, 1, 2);
    expect(Array.from(out)).toEqual([1, 2, 1, 2, 5, 6, 5, 6]);
  });
});
