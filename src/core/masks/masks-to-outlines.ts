// Boolean outline image (Cellpose utils.masks_to_outlines, ALGORITHMS.md 7.1): the pixels of each
// mask that touch, 4-connectedly, the background outside the mask, where "outside" includes other
// masks but excludes the mask's own holes. Equals the pixel set of OpenCV's external contours.
import { findObjects, type LabelBoxes } from './find-objects.ts';
import { asVolumeShape, checkLabelShape, type LabelImage } from './labels.ts';
import { CropScratch, INSIDE, OUTER, markOuterBackground } from './outer-background.ts';

/**
 * Writes the outline pixels of every mask of one (ly, lx) plane into out[outOffset ..] (only 1s
 * are written: the caller clears the plane first) and returns the masks' tight boxes.
 */
export function outlinesOfPlane(plane: LabelImage, ly: number, lx: number, out: Uint8Array, outOffset: number, scratch: CropScratch): LabelBoxes {
  const boxes = findObjects(plane, [ly, lx]);
  for (let k = 0; k < boxes.labels.length; k++) {
    const label = boxes.labels[k];
    const y0 = boxes.y0[k];
    const x0 = boxes.x0[k];
    const h = boxes.y1[k] - y0;
    const w = boxes.x1[k] - x0;
    const cols = w + 2;
    const rows = h + 2;
    const crop = scratch.loadPaddedCrop(plane, lx, label, y0, x0, h, w);
    markOuterBackground(crop, scratch.stack, rows, cols);
    for (let y = 0; y < h; y++) {
      const c = (y + 1) * cols + 1;
      const o = outOffset + (y0 + y) * lx + x0;
      for (let x = 0; x < w; x++) {
        const i = c + x;
        if (crop[i] !== INSIDE) continue;
        if (crop[i - 1] === OUTER || crop[i + 1] === OUTER || crop[i - cols] === OUTER || crop[i + cols] === OUTER) {
          out[o + x] = 1;
        }
      }
    }
  }
  return boxes;
}

/**
 * Outline pixels (1) of every mask of a 2-D (Ly, Lx) or 3-D (Lz, Ly, Lx) label image; 3-D is done
 * per z-plane as Cellpose does. Returns a Uint8Array of the same size.
 */
export function masksToOutlines(masks: LabelImage, shape: readonly number[]): Uint8Array {
  checkLabelShape('masksToOutlines', masks.length, shape);
  const [lz, ly, lx] = asVolumeShape(shape);
  const out = new Uint8Array(masks.length);
  const scratch = new CropScratch();
  const planeSize = ly * lx;
  for (let z = 0; z < lz; z++) {
    outlinesOfPlane(masks.subarray(z * planeSize, (z + 1) * planeSize), ly, lx, out, z * planeSize, scratch);
  }
  return out;
}

/** The `_seg.npy` "outlines" array: the label value on outline pixels, 0 elsewhere. */
export function labelledOutlines<T extends LabelImage>(masks: T, shape: readonly number[]): T {
  const o = masksToOutlines(masks, shape);
  const Ctor = masks.constructor as new (n: number) => T;
  const out = new Ctor(masks.length);
  for (let i = 0; i < masks.length; i++) if (o[i]) out[i] = masks[i];
  return out;
}
