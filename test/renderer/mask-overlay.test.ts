// Mask overlay layer (A.4) on the real StarDist mask (125 objects, ids not 1..N, one in two pieces),
// and the cellprob view's normalisation against numpy.
import { describe, expect, it } from 'vitest';
import { masksToOutlines } from '../../src/core/masks/masks-to-outlines.ts';
import { maskColors } from '../../src/core/seg/colors.ts';
import { MASK_ALPHA, OUTLINE_RGBA, composeMaskOverlay } from '../../src/renderer/src/render/mask-overlay.ts';
import { cellprobToU8 } from '../../src/renderer/src/render/flow-views.ts';
import { DEFAULT_SEGMENT_PARAMS, segmentParamsFrom } from '../../src/renderer/src/pure/segment-defaults.ts';
import { asUint16, pythonArray } from './python-truth.ts';
import { sharedPath } from '../helpers/shared-data.ts';

const MASK2D = sharedPath('data/stardist-dsb2018-sample-2d/mask2d.tif');

describe('composeMaskOverlay', () => {
  const img = pythonArray(`out = tifffile.imread(${JSON.stringify(MASK2D)})`);
  const masks = asUint16(img);
  const [h, w] = img.shape;
  const shape = [1, h, w] as [number, number, number];
  const n = masks.reduce((m, v) => Math.max(m, v), 0);
  const colours = maskColors(n);
  const outlines = masksToOutlines(masks, [h, w]);

  it('fills every mask pixel with its colour at alpha 128 and leaves background transparent', () => {
    expect(n).toBe(183); // largest id in the file (PROVENANCE.md)
    const rgba = composeMaskOverlay(masks, outlines, colours, shape, { z: 0, masksOn: true, outlinesOn: false, selected: 0 });
    let fg = 0;
    for (let i = 0; i < h * w; i++) {
      const id = masks[i];
      if (id === 0) {
        expect(rgba[i * 4 + 3]).toBe(0);
        continue;
      }
      fg++;
      expect(rgba[i * 4 + 3]).toBe(MASK_ALPHA);
      expect(rgba[i * 4]).toBe(colours[(id - 1) * 3]);
      expect(rgba[i * 4 + 2]).toBe(colours[(id - 1) * 3 + 2]);
    }
    expect(fg).toBeGreaterThan(10_000);
  });

  it('paints outlines on top, only on outline pixels, and the selected mask white', () => {
    const selected = masks[(256 * w) + 256] || masks.find((v) => v > 0) || 1;
    const rgba = composeMaskOverlay(masks, outlines, colours, shape, { z: 0, masksOn: true, outlinesOn: true, selected });
    let nOutline = 0;
    for (let i = 0; i < h * w; i++) {
      const px = Array.from(rgba.subarray(i * 4, i * 4 + 4));
      if (outlines[i]) {
        nOutline++;
        expect(px).toEqual([...OUTLINE_RGBA]);
      } else if (masks[i] === selected) {
        expect(px).toEqual([255, 255, 255, MASK_ALPHA]);
      }
    }
    // Every mask has an outline; outlines are a minority of mask pixels.
    expect(nOutline).toBeGreaterThan(125 * 8);
    const off = composeMaskOverlay(masks, outlines, colours, shape, { z: 0, masksOn: false, outlinesOn: false, selected: 0 });
    expect(off.every((v) => v === 0)).toBe(true);
  });
});

describe('cellprob view', () => {
  it('normalises 1st..99th percentile to 0..255 like numpy (linear percentile interpolation)', () => {
    // A real-valued field from real data: the mask image smoothed and shifted to look like logits.
    const field = pythonArray(`a = tifffile.imread(${JSON.stringify(MASK2D)}).astype(np.float32)
out = ((a > 0).astype(np.float32) * 8 - 4 + np.sin(np.arange(a.size, dtype=np.float32).reshape(a.shape) / 7)).astype(np.float32)`);
    const cp = new Float32Array(field.bytes.slice().buffer);
    const truth = pythonArray(`a = tifffile.imread(${JSON.stringify(MASK2D)}).astype(np.float32)
x = ((a > 0).astype(np.float32) * 8 - 4 + np.sin(np.arange(a.size, dtype=np.float32).reshape(a.shape) / 7)).astype(np.float32)
lo, hi = np.percentile(x, [1, 99])
out = (np.clip((x - lo) / (hi - lo), 0, 1) * 255).astype(np.uint8)`);
    const u8 = cellprobToU8(cp);
    let maxDiff = 0;
    for (let i = 0; i < u8.length; i++) maxDiff = Math.max(maxDiff, Math.abs(u8[i] - truth.bytes[i]));
    expect(maxDiff).toBeLessThanOrEqual(1);
  });
});

describe('segmentation parameters', () => {
  it('start from Cellpose 3 defaults and take only well-typed stored fields', () => {
    expect(DEFAULT_SEGMENT_PARAMS.flowThreshold).toBe(0.4);
    expect(DEFAULT_SEGMENT_PARAMS.cellprobThreshold).toBe(0);
    expect(DEFAULT_SEGMENT_PARAMS.minSize).toBe(15);
    const p = segmentParamsFrom({ diameterPx: 24, flowThreshold: 'high', model: 'nuclei', normPercentile: [5, 2], fast: true });
    expect(p.diameterPx).toBe(24);
    expect(p.flowThreshold).toBe(0.4);
    expect(p.model).toBe('nuclei');
    expect(p.normPercentile).toEqual([1, 99]);
    expect(p.fast).toBe(true);
  });
});
