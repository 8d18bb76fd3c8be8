// The RGBA overlay layer of Cellpose's canvas (A.4): mask fills in their table colour at alpha 128,
// outline pixels (200, 200, 255) at alpha 200 on top, the selected mask white. Pure, per plane.
import type { LabelImage } from '../../../core/masks/labels.ts';

/** Cellpose's fixed overlay constants. */
export const MASK_ALPHA = 128;
export const OUTLINE_RGBA = [200, 200, 255, 200] as const;

export interface OverlayOptions {
  z: number;
  masksOn: boolean;
  outlinesOn: boolean;
  /** Highlighted mask id (0 = none). */
  selected: number;
}

/**
 * @param masks (Z, Y, X) labels, 0 = background.
 * @param outlines (Z, Y, X) 1 on outline pixels (core masksToOutlines), or null when not needed.
 * @param colours (N, 3) table, mask k uses row k-1 (core maskColors or a _seg.npy's colors).
 */
export function composeMaskOverlay(
  masks: LabelImage,
  outlines: Uint8Array | null,
  colours: Uint8Array,
  shape: readonly [number, number, number],
  opts: OverlayOptions,
  out: Uint8ClampedArray = new Uint8ClampedArray(shape[1] * shape[2] * 4),
): Uint8ClampedArray {
  const [nZ, h, w] = shape;
  const plane = h * w;
  if (out.length !== plane * 4) throw new Error(`overlay buffer has ${out.length} bytes, expected ${plane * 4}`);
  if (opts.z < 0 || opts.z >= nZ) throw new Error(`plane ${opts.z} is outside 0..${nZ - 1}`);
  if (masks.length !== nZ * plane) throw new Error(`masks have ${masks.length} pixels, shape needs ${nZ * plane}`);
  out.fill(0);
  const base = opts.z * plane;
  const nColours = colours.length / 3;
  if (opts.masksOn) {
    for (let i = 0; i < plane; i++) {
      const id = masks[base + i];
      if (id === 0) continue;
      const o = i * 4;
      if (id === opts.selected) {
        out[o] = out[o + 1] = out[o + 2] = 255;
      } else if (id <= nColours) {
        const c = (id - 1) * 3;
        out[o] = colours[c];
        out[o + 1] = colours[c + 1];
        out[o + 2] = colours[c + 2];
      } else {
        // More ids than colours (a hand-edited file): grey rather than a crash.
        out[o] = out[o + 1] = out[o + 2] = 160;
      }
      out[o + 3] = MASK_ALPHA;
    }
  }
  if (opts.outlinesOn && outlines) {
    for (let i = 0; i < plane; i++) {
      if (!outlines[base + i]) continue;
      const o = i * 4;
      out[o] = OUTLINE_RGBA[0];
      out[o + 1] = OUTLINE_RGBA[1];
      out[o + 2] = OUTLINE_RGBA[2];
      out[o + 3] = OUTLINE_RGBA[3];
    }
  }
  return out;
}
