// What the canvas shows of the two overlay layers (render/mask-layers.ts), computed the way the
// overlay's Konva layer composites them on its own transparent canvas: fills source-over, the
// outline layer 'destination-out', then the outline layer at opacity 200/255. Straight RGBA.
import { OUTLINE_OPACITY } from '../../src/renderer/src/render/mask-layers.ts';

export function layeredOverlay(fills: Uint8ClampedArray, outlines: Uint8ClampedArray, masksOn: boolean, outlinesOn: boolean): Uint8ClampedArray {
  const out = new Uint8ClampedArray(fills.length);
  for (let o = 0; o < out.length; o += 4) {
    if (masksOn) for (let c = 0; c < 4; c++) out[o + c] = fills[o + c];
    const a = outlines[o + 3] / 255;
    if (masksOn && outlinesOn && a > 0) {
      // destination-out: the destination keeps (1 - source alpha) of its alpha.
      out[o + 3] = Math.round(out[o + 3] * (1 - a));
      if (out[o + 3] === 0) out[o] = out[o + 1] = out[o + 2] = 0;
    }
    if (outlinesOn && a > 0) {
      const sa = a * OUTLINE_OPACITY;
      const da = out[o + 3] / 255;
      const ra = sa + da * (1 - sa);
      for (let c = 0; c < 3; c++) out[o + c] = Math.round((outlines[o + c] * sa + out[o + c] * da * (1 - sa)) / ra);
      out[o + 3] = Math.round(ra * 255);
    }
  }
  return out;
}
