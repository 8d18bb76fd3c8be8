// fill_holes_and_remove_small_masks (ALGORITHMS.md 5.5), the bug-fixed v4.0.8+ behaviour by
// default: drop masks smaller than minSize (by their real label values), renumber, fill the holes of
// every mask inside its bounding box (2-D: 4-connected background, 3-D: volumetric with
// 6-connected background, as fill_voids), then drop small masks again and renumber.
import { findObjects } from './find-objects.ts';
import { asVolumeShape, checkLabelShape, toMaskDType, type LabelImage } from './labels.ts';
import { CropScratch, INSIDE, OUTER, OUTSIDE, markOuterBackground, markOuterBackground3D } from './outer-background.ts';
import { renumber } from './renumber.ts';

export interface FillOptions {
  /**
   * Reproduce Cellpose 3.1's min-size bug: it indexes the list of present labels as if it were
   * the label values, so after flow QC has left gaps it removes the wrong masks.
   */
  legacyV31MinSize?: boolean;
}

/** Zero every mask with fewer than minSize pixels, then renumber in raster first-appearance order. */
export function removeSmallMasks(masks: Uint32Array, minSize: number, legacyV31 = false): void {
  let max = 0;
  for (let i = 0; i < masks.length; i++) if (masks[i] > max) max = masks[i];
  if (max > masks.length + 1024) {
    removeSmallMasksSparse(masks, minSize, legacyV31);
    return;
  }
  const counts = new Int32Array(max + 1);
  for (let i = 0; i < masks.length; i++) counts[masks[i]]++;
  // table[v]: 0 = not yet seen, -1 = removed, else the new label
  const table = new Int32Array(max + 1);
  let k = 0;
  for (let v = 1; v <= max; v++) {
    if (counts[v] === 0) continue;
    // v3.1 removed "index + 1" as if it were the label value (the bug); fixed: the label itself
    if (counts[v] < minSize) {
      const kill = legacyV31 ? k + 1 : v;
      if (kill <= max) table[kill] = -1;
    }
    k++;
  }
  // removal and the raster first-appearance renumber in one pass
  let next = 0;
  for (let i = 0; i < masks.length; i++) {
    const v = masks[i];
    if (v === 0) continue;
    let t = table[v];
    if (t === 0) t = table[v] = ++next;
    masks[i] = t < 0 ? 0 : t;
  }
}

function removeSmallMasksSparse(masks: Uint32Array, minSize: number, legacyV31: boolean): void {
  const counts = new Map<number, number>();
  for (let i = 0; i < masks.length; i++) {
    const v = masks[i];
    if (v !== 0) counts.set(v, (counts.get(v) ?? 0) + 1);
  }
  const present = [...counts.keys()].sort((a, b) => a - b);
  const remove = new Set<number>();
  present.forEach((v, k) => {
    if ((counts.get(v) ?? 0) < minSize) remove.add(legacyV31 ? k + 1 : v);
  });
  if (remove.size > 0) for (let i = 0; i < masks.length; i++) if (remove.has(masks[i])) masks[i] = 0;
  renumber(masks);
}

/**
 * False when a framed 2-D crop cannot contain a hole: a hole pixel needs mask pixels to its left,
 * right, above and below (otherwise the straight line to the box border is a background path).
 * Most masks are convex-ish and skip the flood fill this way; the result is the same.
 */
export function mayHaveHoles(crop: Uint8Array, rows: number, cols: number, colMin: Int32Array, colMax: Int32Array): boolean {
  colMin.fill(rows, 0, cols);
  colMax.fill(-1, 0, cols);
  for (let y = 1; y < rows - 1; y++) {
    const base = y * cols;
    for (let x = 1; x < cols - 1; x++) {
      if (crop[base + x] !== INSIDE) continue;
      if (y < colMin[x]) colMin[x] = y;
      colMax[x] = y;
    }
  }
  for (let y = 1; y < rows - 1; y++) {
    const base = y * cols;
    let first = -1;
    let last = -1;
    for (let x = 1; x < cols - 1; x++) {
      if (crop[base + x] === INSIDE) {
        if (first < 0) first = x;
        last = x;
      }
    }
    for (let x = first + 1; x < last; x++) {
      if (crop[base + x] !== INSIDE && colMin[x] < y && y < colMax[x]) return true;
    }
  }
  return false;
}

function fillHoles(masks: Uint32Array, shape: readonly number[]): void {
  const [, ly, lx] = asVolumeShape(shape);
  const is3D = shape.length === 3;
  // Boxes are taken once, before any relabelling, like Cellpose's find_objects slices: a mask
  // overwritten by an enclosing one still consumes a number (its box is then empty).
  const boxes = findObjects(masks, shape);
  const scratch = new CropScratch();
  let maxCols = 0;
  for (let k = 0; k < boxes.labels.length; k++) maxCols = Math.max(maxCols, boxes.x1[k] - boxes.x0[k] + 2);
  const colMin = new Int32Array(maxCols);
  const colMax = new Int32Array(maxCols);
  let j = 0;
  for (let k = 0; k < boxes.labels.length; k++) {
    const label = boxes.labels[k];
    const z0 = boxes.z0[k];
    const y0 = boxes.y0[k];
    const x0 = boxes.x0[k];
    const d = boxes.z1[k] - z0;
    const h = boxes.y1[k] - y0;
    const w = boxes.x1[k] - x0;
    // 2-D crops are framed in y and x only; 3-D crops in z as well.
    const planes = is3D ? d + 2 : 1;
    const rows = h + 2;
    const cols = w + 2;
    const plane = rows * cols;
    scratch.ensure(planes * plane);
    const crop = scratch.crop;
    crop.fill(OUTSIDE, 0, planes * plane);
    const zOff = is3D ? 1 : 0;
    for (let z = 0; z < d; z++) {
      for (let y = 0; y < h; y++) {
        const src = ((z0 + z) * ly + y0 + y) * lx + x0;
        const dst = (z + zOff) * plane + (y + 1) * cols + 1;
        for (let x = 0; x < w; x++) if (masks[src + x] === label) crop[dst + x] = INSIDE;
      }
    }
    const value = ++j;
    if (!is3D && !mayHaveHoles(crop, rows, cols, colMin, colMax)) {
      // no enclosed background: only the relabelling, if the value changes at all
      if (value !== label) {
        for (let y = 0; y < h; y++) {
          const row = (y0 + y) * lx + x0;
          for (let x = 0; x < w; x++) if (masks[row + x] === label) masks[row + x] = value;
        }
      }
      continue;
    }
    if (is3D) markOuterBackground3D(crop, scratch.stack, planes, rows, cols);
    else markOuterBackground(crop, scratch.stack, rows, cols);
    for (let z = 0; z < d; z++) {
      for (let y = 0; y < h; y++) {
        const dstImg = ((z0 + z) * ly + y0 + y) * lx + x0;
        const src = (z + zOff) * plane + (y + 1) * cols + 1;
        for (let x = 0; x < w; x++) if (crop[src + x] !== OUTER) masks[dstImg + x] = value;
      }
    }
  }
}

/**
 * Returns a new label image (uint16, or uint32 above 65,535 masks). minSize is in pixels (voxels in
 * 3-D); minSize <= 0 keeps every mask but still fills holes (relabelling in label-value order).
 */
export function fillHolesAndRemoveSmallMasks(
  masks: LabelImage,
  shape: readonly number[],
  minSize = 15,
  opts: FillOptions = {},
): Uint16Array | Uint32Array {
  checkLabelShape('fillHolesAndRemoveSmallMasks', masks.length, shape);
  const work = Uint32Array.from(masks);
  const legacy = opts.legacyV31MinSize ?? false;
  if (minSize > 0) removeSmallMasks(work, minSize, legacy);
  fillHoles(work, shape);
  if (minSize > 0) removeSmallMasks(work, minSize, legacy);
  return toMaskDType(work);
}
