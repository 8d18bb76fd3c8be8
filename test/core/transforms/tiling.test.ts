// Padding, tile grid, taper mask and blending against the reference values of ALGORITHMS.md 2.4,
// 3.1 and 3.3 (produced by the upstream code), and augmentation round trips (3.4).
import { describe, expect, it } from 'vitest';
import { padAxis } from '../../../src/core/transforms/pad.ts';
import { linspaceTrunc, tileGrid } from '../../../src/core/transforms/tile-grid.ts';
import { taperMask, taperProfile } from '../../../src/core/transforms/taper-mask.ts';
import { combineStyles, extractTile, TileBlender } from '../../../src/core/transforms/tiles.ts';

describe('padAxis (get_pad_yx, div 16, extra 1)', () => {
  it('gives the documented amounts', () => {
    expect(padAxis(100)).toEqual({ before: 14, after: 14, padded: 128 });
    expect(padAxis(130)).toEqual({ before: 15, after: 15, padded: 160 });
    expect(padAxis(224)).toEqual({ before: 8, after: 8, padded: 240 });
    expect(padAxis(1000)).toEqual({ before: 12, after: 12, padded: 1024 });
    expect(padAxis(363)).toEqual({ before: 10, after: 11, padded: 384 });
  });
});

describe('tileGrid', () => {
  it('padded 560x528: 3x3 tiles, starts [0,168,336] and [0,152,304]', () => {
    const g = tileGrid(560, 528, 0.1, false);
    expect([g.ny, g.nx, g.ty, g.tx]).toEqual([3, 3, 224, 224]);
    expect(g.ystart).toEqual([0, 168, 336]);
    expect(g.xstart).toEqual([0, 152, 304]);
  });
  it('small images are one tile of the padded size, not 224', () => {
    const g = tileGrid(128, 160, 0.1, false);
    expect([g.ny, g.nx, g.ty, g.tx]).toEqual([1, 1, 128, 160]);
  });
  it('a 1024-px image (padded 1040) gets ceil(1.2·1040/224) = 6 tiles per axis, the last ending at the border', () => {
    const g = tileGrid(1040, 1040, 0.1, false);
    expect(g.ny).toBe(6);
    expect(g.ystart[g.ny - 1]).toBe(1040 - 224);
  });
  it('augment: bsize tiles with 50% overlap, at least 2x2, zero-extended small images', () => {
    const g = tileGrid(128, 400, 0.1, true);
    expect([g.ny, g.nx, g.ty, g.tx, g.ly, g.lx]).toEqual([2, 4, 224, 224, 224, 400]);
    expect(g.ystart).toEqual([0, 0]);
    expect(g.xstart).toEqual([0, 58, 117, 176]);
  });
  it('linspace truncation uses one float64 step (j·step, last = end)', () => {
    expect(linspaceTrunc(176, 4)).toEqual([0, 58, 117, 176]);
    expect(linspaceTrunc(0, 1)).toEqual([0]);
  });
  it('tile_overlap is clipped to [0.05, 0.5]', () => {
    expect(tileGrid(1040, 1040, 0.9, false).ny).toBe(tileGrid(1040, 1040, 0.5, false).ny);
    expect(tileGrid(1040, 1040, 0, false).ny).toBe(Math.ceil((1.1 * 1040) / 224));
  });
});

describe('taperMask (sig 7.5, float64)', () => {
  it('matches the reference profile values for b = 224', () => {
    const m1 = taperProfile(224);
    expect(m1[0]).toBeCloseTo(0.0691384, 7);
    expect(m1[1]).toBeCloseTo(0.0782283, 7);
    // the document gives 6 decimals; m1[20] = 0.5166605 sits on a rounding edge, so 1e-6
    for (const [k, v] of [[10, 0.219828], [20, 0.516661], [30, 0.802184], [50, 0.983154], [111, 0.999995]]) {
      expect(Math.abs(m1[k] - v)).toBeLessThan(1e-6);
    }
    const M = taperMask(224, 224);
    expect(M[0]).toBeCloseTo(0.00478012, 8);
    expect(M[112 * 224 + 112]).toBeCloseTo(0.99998994, 8);
  });
  it('smaller tiles are the centre crop of the 224 mask', () => {
    const big = taperMask(224, 224);
    const small = taperMask(128, 160);
    // rows 112-64 = 48.., cols 112-80 = 32..
    expect(small[0]).toBe(big[48 * 224 + 32]);
    expect(small[127 * 160 + 159]).toBe(big[175 * 224 + 191]);
  });
});

describe('tiles and blending', () => {
  it('a single tile blends back to exactly the network output', () => {
    const g = tileGrid(32, 48, 0.1, false);
    const b = new TileBlender(g, 3);
    const y = Float32Array.from({ length: 3 * 32 * 48 }, (_, i) => Math.sin(i * 0.1) * 7);
    b.add(y, 0, 0, 0, false);
    const out = b.result();
    let m = 0;
    for (let i = 0; i < y.length; i++) m = Math.max(m, Math.abs(out[i] - y[i]));
    expect(m).toBeLessThan(1e-6);
  });
  it('augment: flipping tiles in and out (with dY/dX negation) reproduces a flow-like field', () => {
    // An "identity network" that returns [dY, dX, cp] = [ramp_y, ramp_x, value] computed from the
    // tile input must blend back to the original ramps when the flips and sign changes are undone.
    const ly = 240;
    const lx = 300;
    const img = new Float32Array(ly * lx * 2);
    for (let y = 0; y < ly; y++) for (let x = 0; x < lx; x++) { img[(y * lx + x) * 2] = y; img[(y * lx + x) * 2 + 1] = x; }
    const g = tileGrid(ly, lx, 0.1, true);
    const blender = new TileBlender(g, 3);
    const tile = new Float32Array(2 * 224 * 224);
    for (let j = 0; j < g.ny; j++) {
      for (let i = 0; i < g.nx; i++) {
        extractTile(img, ly, lx, 2, g, j, i, true, tile, 0);
        // network: derivative of the y ramp along rows, of the x ramp along columns, and the y ramp
        const out = new Float32Array(3 * 224 * 224);
        for (let r = 0; r < 224; r++) {
          for (let c = 0; c < 224; c++) {
            const k = r * 224 + c;
            const down = r + 1 < 224 ? tile[k + 224] - tile[k] : tile[k] - tile[k - 224];
            const right = c + 1 < 224 ? tile[224 * 224 + k + 1] - tile[224 * 224 + k] : tile[224 * 224 + k] - tile[224 * 224 + k - 1];
            out[k] = down;
            out[224 * 224 + k] = right;
            out[2 * 224 * 224 + k] = tile[k];
          }
        }
        blender.add(out, 0, j, i, true);
      }
    }
    const res = blender.result();
    const n = g.ly * g.lx;
    for (const [y, x] of [[10, 10], [100, 150], [200, 280]]) {
      expect(res[y * g.lx + x]).toBeCloseTo(1, 5);
      expect(res[n + y * g.lx + x]).toBeCloseTo(1, 5);
      expect(res[2 * n + y * g.lx + x]).toBeCloseTo(y, 3);
    }
  });
  it('combineStyles sums tile styles and L2-normalizes the sum', () => {
    const s = combineStyles(new Float32Array([3, 0, 0, 4]), 2, 0, 2);
    expect(s[0]).toBeCloseTo(0.6, 6);
    expect(s[1]).toBeCloseTo(0.8, 6);
  });
});
