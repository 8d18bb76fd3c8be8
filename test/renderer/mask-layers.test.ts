// The overlay as two cached layers (render/mask-layers.ts): composited the way the canvas does
// (fills, outline layer 'destination-out', outline layer at 200/255), they must give exactly
// Cellpose's single RGBA overlay (composeMaskOverlay) for every X / Z state, on the real StarDist
// masks with a selected mask; and the layer cache picks and evicts planes as it says.
import { describe, expect, it } from 'vitest';
import { masksToOutlines } from '../../src/core/masks/masks-to-outlines.ts';
import { maskColors } from '../../src/core/seg/colors.ts';
import { composeMaskOverlay } from '../../src/renderer/src/render/mask-overlay.ts';
import { fillLayerRect, outlineLayerRect, planeRect } from '../../src/renderer/src/render/mask-layers.ts';
import { PlaneCache, identityOf, planesInBudget } from '../../src/renderer/src/render/plane-cache.ts';
import { layeredOverlay } from './layered-overlay.ts';
import { asUint16, pythonArray } from './python-truth.ts';
import { sharedPath } from '../helpers/shared-data.ts';

const MASK2D = sharedPath('data/stardist-dsb2018-sample-2d/mask2d.tif');

describe('mask overlay layers on the real mask', () => {
  const img = pythonArray(`out = tifffile.imread(${JSON.stringify(MASK2D)})`);
  const [h, w] = img.shape;
  const masks = asUint16(img);
  const shape: [number, number, number] = [1, h, w];
  const outlines = masksToOutlines(masks, shape);
  let n = 0;
  for (const v of masks) n = Math.max(n, v);
  const colours = maskColors(n);

  it('fills + outlines composite to exactly composeMaskOverlay for all four X / Z states', () => {
    for (const selected of [0, 7]) {
      const fills = new Uint8ClampedArray(h * w * 4);
      const lines = new Uint8ClampedArray(h * w * 4);
      fillLayerRect(masks, colours, shape, 0, selected, planeRect(shape), fills);
      outlineLayerRect(outlines, shape, 0, planeRect(shape), lines);
      for (const masksOn of [false, true]) {
        for (const outlinesOn of [false, true]) {
          const want = composeMaskOverlay(masks, outlines, colours, shape, { z: 0, masksOn, outlinesOn, selected });
          const got = layeredOverlay(fills, lines, masksOn, outlinesOn);
          let diff = -1;
          for (let i = 0; i < want.length && diff < 0; i++) if (want[i] !== got[i]) diff = i;
          expect(diff < 0 ? 'same' : `selected ${selected}, masks ${masksOn}, outlines ${outlinesOn}: pixel ${(diff >> 2) % w}, ${Math.floor((diff >> 2) / w)}`).toBe('same');
        }
      }
    }
  });

  it('ids past the colour table are grey, and a rectangle write touches nothing outside it', () => {
    const fills = new Uint8ClampedArray(h * w * 4).fill(9);
    const r = fillLayerRect(masks, colours.subarray(0, 30), shape, 0, 0, { x0: -5, x1: 100, y0: 50, y1: 60.5 }, fills);
    expect(r).toEqual({ x0: 0, x1: 100, y0: 50, y1: 61 });
    const want = composeMaskOverlay(masks, null, colours.subarray(0, 30), shape, { z: 0, masksOn: true, outlinesOn: false, selected: 0 });
    let wrong = 'none';
    let grey = 0;
    for (let y = 0; y < h && wrong === 'none'; y++) {
      for (let x = 0; x < w; x++) {
        const o = (y * w + x) * 4;
        const inside = x < 100 && y >= 50 && y < 61;
        for (let c = 0; c < 4; c++) if (fills[o + c] !== (inside ? want[o + c] : 9)) wrong = `pixel ${x}, ${y}`;
        if (inside && masks[y * w + x] > 30 && fills[o] === 160 && fills[o + 3] === 128) grey++;
      }
    }
    expect(wrong).toBe('none');
    expect(grey).toBeGreaterThan(0);
  });
});

describe('PlaneCache', () => {
  it('keeps the most recently used planes and hands back the evicted one for reuse', () => {
    const c = new PlaneCache<string>(2);
    expect(c.set('RGB', 'a')).toBeUndefined();
    expect(c.set('spectral', 'b')).toBeUndefined();
    expect(c.get('RGB')).toBe('a'); // RGB is now the most recent
    expect(c.set('gray', 'c')).toBe('b');
    expect(c.get('spectral')).toBeUndefined();
    // has() does not touch the order: 'a' stays the oldest
    expect(c.has('RGB')).toBe(true);
    expect(c.has('spectral')).toBe(false);
    expect(c.takeOldest()).toBe('a');
    expect(c.size).toBe(1);
    expect(() => new PlaneCache(0)).toThrow(RangeError);
  });

  it('fits planes to a byte budget, and gives objects stable ids', () => {
    expect(planesInBudget(4096, 4096, 192 * 1024 * 1024, 4)).toBe(3);
    expect(planesInBudget(2048, 2048, 192 * 1024 * 1024, 4)).toBe(4);
    expect(planesInBudget(20_000, 20_000, 192 * 1024 * 1024, 4)).toBe(1);
    const a = {};
    expect(identityOf(a)).toBe(identityOf(a));
    expect(identityOf(a)).not.toBe(identityOf({}));
    expect(identityOf(null)).toBe(0);
  });
});
