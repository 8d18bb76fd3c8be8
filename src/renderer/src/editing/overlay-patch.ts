// Dirty-rectangle repaint of the mask overlay: the same pixels composeMaskOverlay (render/
// mask-overlay.ts) gives for the whole plane, but written only inside one box, so an edit costs
// its own area (napari's labels layer uploads a sub-texture the same way).
import { MASK_ALPHA, OUTLINE_RGBA, type OverlayOptions } from '../render/mask-overlay.ts';

export interface Rect {
  x0: number;
  x1: number;
  y0: number;
  y1: number;
}

/**
 * @param masks (Z, Y, X) labels; @param outlines same shape, 1 on outline pixels (or null);
 * @param out the full-plane RGBA buffer (height * width * 4) that is patched in place.
 * @returns the clipped rectangle written (empty when the box is outside the plane).
 */
export function patchOverlayRect(
  masks: ArrayLike<number>,
  outlines: Uint8Array | null,
  colours: Uint8Array,
  shape: readonly [number, number, number],
  opts: OverlayOptions,
  box: Rect,
  out: Uint8ClampedArray,
): Rect {
  const [nZ, h, w] = shape;
  if (out.length !== h * w * 4) throw new Error(`overlay buffer has ${out.length} bytes, expected ${h * w * 4}`);
  if (opts.z < 0 || opts.z >= nZ) throw new Error(`plane ${opts.z} is outside 0..${nZ - 1}`);
  const x0 = Math.max(0, Math.floor(box.x0));
  const x1 = Math.min(w, Math.ceil(box.x1));
  const y0 = Math.max(0, Math.floor(box.y0));
  const y1 = Math.min(h, Math.ceil(box.y1));
  if (x1 <= x0 || y1 <= y0) return { x0, x1: x0, y0, y1: y0 };
  const base = opts.z * h * w;
  const nColours = colours.length / 3;
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const i = y * w + x;
      const o = i * 4;
      const id = opts.masksOn ? masks[base + i] : 0;
      if (opts.outlinesOn && outlines && outlines[base + i]) {
        out[o] = OUTLINE_RGBA[0];
        out[o + 1] = OUTLINE_RGBA[1];
        out[o + 2] = OUTLINE_RGBA[2];
        out[o + 3] = OUTLINE_RGBA[3];
      } else if (id === 0) {
        out[o] = out[o + 1] = out[o + 2] = out[o + 3] = 0;
      } else {
        if (id === opts.selected) out[o] = out[o + 1] = out[o + 2] = 255;
        else if (id <= nColours) {
          const c = (id - 1) * 3;
          out[o] = colours[c];
          out[o + 1] = colours[c + 1];
          out[o + 2] = colours[c + 2];
        } else out[o] = out[o + 1] = out[o + 2] = 160;
        out[o + 3] = MASK_ALPHA;
      }
    }
  }
  return { x0, x1, y0, y1 };
}

/**
 * A change box grown by `px` on each side. Outlines are a neighbourhood property: a pixel next to
 * an edited one can gain or lose its outline bit, and the live brush-stroke events report only
 * the painted pixels' box, so the repaint covers one pixel more.
 */
export function padRect(b: Rect, px: number): Rect {
  return { x0: b.x0 - px, x1: b.x1 + px, y0: b.y0 - px, y1: b.y1 + px };
}
