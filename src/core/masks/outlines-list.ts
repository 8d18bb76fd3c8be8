// Polygon outline of every mask (Cellpose utils.outlines_list, ALGORITHMS.md 7.2): OpenCV's
// external contour (findContours RETR_EXTERNAL, CHAIN_APPROX_NONE) of each label, reproduced point
// for point with Suzuki-Abe outer-border following. Used by the _seg.npy writer, the ImageJ text
// outlines and the ROI export.
import { findObjects } from './find-objects.ts';
import { checkLabelShape, type LabelImage } from './labels.ts';
import { CropScratch, INSIDE, OUTER, markOuterBackground } from './outer-background.ts';

// Mask pixels already assigned to a traced component (odd, like INSIDE, so "is foreground" is v & 1).
const SEEN = 3;

/**
 * Traces the outer border of the 8-connected component whose first raster pixel is `start`, in a
 * padded crop (frame of background, `cols` wide). Returns crop indices in OpenCV's order.
 */
function traceOuterBorder(crop: Uint8Array, cols: number, start: number): number[] {
  // Directions d = 0..7: E, NE, N, NW, W, SW, S, SE (counter-clockwise on screen, rows down).
  const off = [1, -cols + 1, -cols, -cols - 1, -1, cols - 1, cols, cols + 1];
  // 1. clockwise from W for the first foreground neighbour
  let d1 = -1;
  for (let k = 0; k < 8; k++) {
    const d = (4 - k + 8) % 8;
    if (crop[start + off[d]] & 1) {
      d1 = d;
      break;
    }
  }
  if (d1 < 0) return [start]; // isolated pixel
  const p1 = start + off[d1];
  const points: number[] = [];
  let cur = start;
  let dprev = d1; // direction from cur to prev
  // Each border pixel is visited at most 4 times (once per side), which bounds the loop.
  const guard = 4 * crop.length + 8;
  for (let step = 0; step < guard; step++) {
    points.push(cur);
    let nxt = -1;
    let dn = 0;
    for (let k = 1; k <= 8; k++) {
      const d = (dprev + k) & 7;
      if (crop[cur + off[d]] & 1) {
        nxt = cur + off[d];
        dn = d;
        break;
      }
    }
    if (nxt === start && cur === p1) break;
    dprev = (dn + 4) & 7;
    cur = nxt;
  }
  return points;
}

/** Marks the 8-connected component of `start` as SEEN. */
function markComponent(crop: Uint8Array, stack: Int32Array, cols: number, start: number): void {
  let top = 0;
  crop[start] = SEEN;
  stack[top++] = start;
  while (top > 0) {
    const i = stack[--top];
    for (let dy = -cols; dy <= cols; dy += cols) {
      for (let dx = -1; dx <= 1; dx++) {
        const j = i + dy + dx;
        if (crop[j] === INSIDE) {
          crop[j] = SEEN;
          stack[top++] = j;
        }
      }
    }
  }
}

/**
 * Outline polygon of each mask of a 2-D label image (Ly, Lx), for the present labels in increasing
 * order: a flat [x0, y0, x1, y1, ...] (x = column) of the longest external contour of the label,
 * or an empty array when it has 4 points or fewer. Ties in length go to the contour OpenCV lists
 * first, i.e. the one whose start pixel is last in raster order.
 *
 * Like Cellpose, the first unique value is dropped as "the background": if no pixel is 0, the
 * smallest label gets no entry (Cellpose's behaviour, kept for identical output).
 */
export function outlinesList(masks: LabelImage, shape2d: readonly [number, number]): Int32Array[] {
  checkLabelShape('outlinesList', masks.length, shape2d);
  if (shape2d.length !== 2) throw new RangeError('outlinesList: expects a 2-D label image');
  const [, lx] = shape2d;
  const boxes = findObjects(masks, shape2d);
  let hasZero = false;
  for (let i = 0; i < masks.length; i++) {
    if (masks[i] === 0) {
      hasZero = true;
      break;
    }
  }
  const scratch = new CropScratch();
  const result: Int32Array[] = [];
  for (let k = hasZero ? 0 : 1; k < boxes.labels.length; k++) {
    const label = boxes.labels[k];
    const y0 = boxes.y0[k];
    const x0 = boxes.x0[k];
    const h = boxes.y1[k] - y0;
    const w = boxes.x1[k] - x0;
    const cols = w + 2;
    const rows = h + 2;
    const crop = scratch.loadPaddedCrop(masks, lx, label, y0, x0, h, w);
    markOuterBackground(crop, scratch.stack, rows, cols);
    let best: number[] = [];
    for (let i = cols; i < (rows - 1) * cols; i++) {
      if (crop[i] !== INSIDE) continue;
      // First raster pixel of a new component. Only components lying in the outer background are
      // external contours; ones nested in a hole of another piece are not listed by OpenCV.
      const external = crop[i - 1] === OUTER;
      markComponent(crop, scratch.stack, cols, i);
      if (!external) continue;
      const pts = traceOuterBorder(crop, cols, i);
      if (pts.length >= best.length) best = pts;
    }
    if (best.length <= 4) {
      result.push(new Int32Array(0));
      continue;
    }
    const poly = new Int32Array(best.length * 2);
    for (let p = 0; p < best.length; p++) {
      const r = (best[p] / cols) | 0;
      const c = best[p] - r * cols;
      poly[2 * p] = c - 1 + x0;
      poly[2 * p + 1] = r - 1 + y0;
    }
    result.push(poly);
  }
  return result;
}
