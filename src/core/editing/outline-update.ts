// Keeping the outline image (ALGORITHMS.md 7.1) consistent after an edit without recomputing the
// whole image. It is held as a 0/1 mask: the `_seg.npy` "outlines" array (label value on outline
// pixels) is labels x mask, so renumbering ids never has to touch it. A mask's outline depends only on
// its own pixel set (other masks count as background), but it depends on all of it: erasing a
// wall far away can open a hole to the outside. So each mask whose pixels changed is redone over
// its whole bounding box on the changed plane; any box containing the mask gives the same result
// (the non-mask frame around the tight box is connected to the outside either way).
import { CropScratch, INSIDE, OUTER, OUTSIDE, markOuterBackground } from '../masks/outer-background.ts';
import type { LabelArray } from './label-view.ts';

export interface PlaneBox {
  y0: number;
  y1: number;
  x0: number;
  x1: number;
}

/**
 * Rewrites the outline of `id` on one plane inside the box (1 on its outline pixels, 0 on its
 * other pixels; pixels of other ids are untouched); `flipped` grows to cover every bit changed. Returns the tight box of `id` on this
 * plane, or null when it has no pixel there.
 */
export function redoLabelOutline(
  labels: LabelArray,
  outlines: Uint8Array,
  planeOffset: number,
  nx: number,
  id: number,
  box: PlaneBox,
  scratch: CropScratch,
  flipped?: PlaneBox,
): PlaneBox | null {
  const h = box.y1 - box.y0;
  const w = box.x1 - box.x0;
  if (h <= 0 || w <= 0) return null;
  const cols = w + 2;
  const rows = h + 2;
  scratch.ensure(rows * cols);
  const crop = scratch.crop;
  crop.fill(OUTSIDE, 0, rows * cols);
  let ty0 = Infinity;
  let ty1 = -Infinity;
  let tx0 = Infinity;
  let tx1 = -Infinity;
  for (let y = 0; y < h; y++) {
    const src = planeOffset + (box.y0 + y) * nx + box.x0;
    const dst = (y + 1) * cols + 1;
    for (let x = 0; x < w; x++) {
      if (labels[src + x] === id) {
        crop[dst + x] = INSIDE;
        if (y < ty0) ty0 = y;
        if (y + 1 > ty1) ty1 = y + 1;
        if (x < tx0) tx0 = x;
        if (x + 1 > tx1) tx1 = x + 1;
      }
    }
  }
  if (ty1 < 0) return null;
  markOuterBackground(crop, scratch.stack, rows, cols);
  for (let y = ty0; y < ty1; y++) {
    const c = (y + 1) * cols + 1;
    const o = planeOffset + (box.y0 + y) * nx + box.x0;
    for (let x = tx0; x < tx1; x++) {
      const i = c + x;
      if (crop[i] !== INSIDE) continue;
      const edge = crop[i - 1] === OUTER || crop[i + 1] === OUTER || crop[i - cols] === OUTER || crop[i + cols] === OUTER;
      const bit = edge ? 1 : 0;
      if (outlines[o + x] !== bit) {
        outlines[o + x] = bit;
        // An outline can change far from the edited pixels (a wall opened onto a hole), so the
        // change event must cover it too.
        if (flipped) {
          const yy = box.y0 + y;
          const xx = box.x0 + x;
          if (yy < flipped.y0) flipped.y0 = yy;
          if (yy + 1 > flipped.y1) flipped.y1 = yy + 1;
          if (xx < flipped.x0) flipped.x0 = xx;
          if (xx + 1 > flipped.x1) flipped.x1 = xx + 1;
        }
      }
    }
  }
  return { y0: box.y0 + ty0, y1: box.y0 + ty1, x0: box.x0 + tx0, x1: box.x0 + tx1 };
}

/**
 * Clears the outline bit of changed pixels; the masks they now belong to are redone afterwards
 * (background pixels are never outline).
 */
export function clearChangedOutlines(outlines: Uint8Array, planeOffset: number, offsets: Uint32Array): void {
  for (let i = 0; i < offsets.length; i++) outlines[planeOffset + offsets[i]] = 0;
}

/**
 * A fast approximate outline inside a box, for live feedback during a brush stroke: a mask pixel
 * is outline if a 4-neighbour has another value (or lies outside the image). It differs from the
 * exact rule only on the border of holes, and the stroke's end redoes every mask seen here
 * exactly. The ids met are added to `seen`.
 */
export function localOutlines(
  labels: LabelArray,
  outlines: Uint8Array,
  planeOffset: number,
  ny: number,
  nx: number,
  box: PlaneBox,
  seen: Set<number>,
): void {
  for (let y = box.y0; y < box.y1; y++) {
    const row = planeOffset + y * nx;
    for (let x = box.x0; x < box.x1; x++) {
      const p = row + x;
      const v = labels[p];
      if (v === 0) {
        outlines[p] = 0;
        continue;
      }
      seen.add(v);
      const edge = x === 0 || x === nx - 1 || y === 0 || y === ny - 1 || labels[p - 1] !== v || labels[p + 1] !== v || labels[p - nx] !== v || labels[p + nx] !== v;
      outlines[p] = edge ? 1 : 0;
    }
  }
}
