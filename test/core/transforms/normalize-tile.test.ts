// Tile-wise normalization (normalize_img with tile_norm_blocksize > 0, ALGORITHMS.md 2.2.2).
import { describe, expect, it } from 'vitest';
import { normalizeImg, DEFAULT_NORMALIZE } from '../../../src/core/transforms/normalize-img.ts';
import { normalize99Channel } from '../../../src/core/transforms/normalize99.ts';

/** 200x200, 2 channels: a pattern with period 10 (every 100-px block at starts 0/50/100 holds the
 *  same values as the whole image) and an all-zero second channel. */
function periodic(): Float32Array {
  const x = new Float32Array(200 * 200 * 2);
  for (let y = 0; y < 200; y++) for (let c = 0; c < 200; c++) x[(y * 200 + c) * 2] = (y % 10) * 10 + (c % 10) * 3;
  return x;
}

describe('tile normalization', () => {
  it('equals global normalize99 when every block has the same statistics; the zero channel stays 0', () => {
    const a = periodic();
    normalizeImg(a, [1, 200, 200, 2], { ...DEFAULT_NORMALIZE, tileNormBlocksize: 100 });
    const g = periodic();
    normalize99Channel(g, [1, 200, 200, 2], 0);
    let m = 0;
    for (let i = 0; i < a.length; i += 2) m = Math.max(m, Math.abs(a[i] - g[i]));
    expect(m).toBeLessThan(1e-5);
    for (let i = 1; i < a.length; i += 2) expect(a[i]).toBe(0);
  });
  it('adapts to local contrast: a dim half and a bright half both map to about [0, 1]', () => {
    const x = new Float32Array(400 * 400);
    for (let y = 0; y < 400; y++) for (let c = 0; c < 400; c++) x[y * 400 + c] = ((y * 7 + c * 13) % 100) * (c < 200 ? 1 : 20);
    normalizeImg(x, [1, 400, 400, 1], { ...DEFAULT_NORMALIZE, tileNormBlocksize: 100 });
    const meanOf = (c0: number, c1: number): number => {
      let s = 0;
      for (let y = 100; y < 300; y++) for (let c = c0; c < c1; c++) s += x[y * 400 + c];
      return s / (200 * (c1 - c0));
    };
    expect(meanOf(20, 80)).toBeGreaterThan(0.3);
    expect(meanOf(20, 80)).toBeLessThan(0.7);
    expect(meanOf(320, 380)).toBeGreaterThan(0.3);
    expect(meanOf(320, 380)).toBeLessThan(0.7);
  });
  it('norm3D false on a multi-channel stack fails as in Cellpose', () => {
    const x = new Float32Array(2 * 50 * 50 * 2).map((_, i) => i % 17);
    expect(() => normalizeImg(x, [2, 50, 50, 2], { ...DEFAULT_NORMALIZE, tileNormBlocksize: 20, norm3D: false })).toThrow(/norm3D=False with tile_norm/);
  });
});
