// The stages after get_masks, per mask (2-D). get_masks numbers its labels 1..N by first appearance
// in raster order and labels start pixels only, so the box and pixel count of every mask come from
// the n start points. A mask's flow error (CPU variant, 5.4) and its holes (5.5) depend on that
// mask alone, so workers split the masks between them. fill_holes_and_remove_small_masks then
// reduces to one table pass plus the hole pixels: removal keeps the raster order of the surviving
// labels, and filling a hole never moves a mask's first pixel. When a hole of a kept mask holds
// another kept mask (the fill would overwrite it, in label order), finishFromParts returns null
// and the caller runs the general fill.
import { CropScratch, INSIDE, OUTER, markOuterBackground } from '../masks/outer-background.ts';
import { mayHaveHoles } from '../masks/fill-holes.ts';
import type { LabelImage } from '../masks/labels.ts';
import { maskFlowError } from './flow-errors.ts';
import { DiffusionScratch } from './masks-to-flows.ts';
import type { CentreRule } from './profiles.ts';

/** Int32 arrays of a given length; a host may back them with shared memory. */
export type Int32Allocator = (length: number) => Int32Array;

const plainInt32: Int32Allocator = (length) => new Int32Array(length);

/** Boxes of labels 1..n (label l at index l - 1): half-open [y0, y1) x [x0, x1) and pixel counts. */
export interface MaskBoxes {
  n: number;
  y0: Int32Array;
  y1: Int32Array;
  x0: Int32Array;
  x1: Int32Array;
  count: Int32Array;
}

/**
 * Boxes of the labels of a get_masks result, from its start pixels `inds` (increasing) only. The
 * labels must be 1..n with every labelled pixel among inds (what getMasks returns).
 */
export function startPointBoxes(labels: LabelImage, inds: Int32Array, lx: number, alloc: Int32Allocator = plainInt32): MaskBoxes {
  let n = 0;
  for (let j = 0; j < inds.length; j++) if (labels[inds[j]] > n) n = labels[inds[j]];
  const boxes: MaskBoxes = { n, y0: alloc(n), y1: alloc(n), x0: alloc(n), x1: alloc(n), count: alloc(n) };
  const { y0, y1, x0, x1, count } = boxes;
  for (let j = 0; j < inds.length; j++) {
    const i = inds[j];
    const v = labels[i];
    if (v === 0) continue;
    const k = v - 1;
    const y = (i / lx) | 0;
    const x = i - y * lx;
    // raster order: the first point of a label has its smallest y, the latest its largest
    if (count[k] === 0) {
      y0[k] = y;
      x0[k] = x;
      x1[k] = x + 1;
    } else {
      if (x < x0[k]) x0[k] = x;
      if (x >= x1[k]) x1[k] = x + 1;
    }
    y1[k] = y + 1;
    count[k]++;
  }
  return boxes;
}

/** Per-mask results for the labels from + 1 .. to. */
export interface MaskPartsResult {
  /** Flow error of each label (float64), or null when not asked for. */
  errors: Float64Array | null;
  /** Hole pixels of label from + 1 + k are holePixels[holeStart[k] .. holeStart[k + 1]). */
  holeStart: Int32Array;
  /** Flat raster indices, increasing within each label. */
  holePixels: Int32Array;
}

export interface MaskPartsOptions {
  /** CPU-variant flow errors against dP (2, Ly, Lx); omit to skip them. */
  dP?: Float32Array;
  centre?: CentreRule;
}

/** The background pixels enclosed by `label` (4-connected, not reaching its box border), appended to `out`. */
function maskHoles(labels: LabelImage, lx: number, label: number, y0: number, x0: number, h: number, w: number, crop: CropScratch, colMin: Int32Array, colMax: Int32Array, out: number[]): void {
  const rows = h + 2;
  const cols = w + 2;
  const c = crop.loadPaddedCrop(labels, lx, label, y0, x0, h, w);
  if (!mayHaveHoles(c, rows, cols, colMin, colMax)) return;
  markOuterBackground(c, crop.stack, rows, cols);
  for (let y = 0; y < h; y++) {
    const src = (y + 1) * cols + 1;
    const dst = (y0 + y) * lx + x0;
    for (let x = 0; x < w; x++) {
      const v = c[src + x];
      if (v !== INSIDE && v !== OUTER) out.push(dst + x);
    }
  }
}

/** Flow errors (with opts.dP) and holes of the labels from + 1 .. to of a 2-D get_masks result. */
export function maskParts(labels: LabelImage, shape: readonly [number, number], boxes: MaskBoxes, from: number, to: number, opts: MaskPartsOptions = {}): MaskPartsResult {
  const lx = shape[1];
  const m = Math.max(0, to - from);
  const errors = opts.dP ? new Float64Array(m) : null;
  const holeStart = new Int32Array(m + 1);
  const holes: number[] = [];
  const crop = new CropScratch();
  const diff = new DiffusionScratch();
  let maxCols = 0;
  for (let k = from; k < to; k++) maxCols = Math.max(maxCols, boxes.x1[k] - boxes.x0[k] + 2);
  const colMin = new Int32Array(maxCols);
  const colMax = new Int32Array(maxCols);
  for (let k = from; k < to; k++) {
    const label = k + 1;
    const y0 = boxes.y0[k];
    const x0 = boxes.x0[k];
    const h = boxes.y1[k] - y0;
    const w = boxes.x1[k] - x0;
    if (errors && opts.dP) errors[k - from] = maskFlowError(labels, opts.dP, lx, label, { y0, x0, h, w, count: boxes.count[k] }, { centre: opts.centre }, diff);
    maskHoles(labels, lx, label, y0, x0, h, w, crop, colMin, colMax, holes);
    holeStart[k - from + 1] = holes.length;
  }
  return { errors, holeStart, holePixels: Int32Array.from(holes) };
}

/** Per-mask results of all labels 1..n, from consecutive parts. */
export function mergeMaskParts(parts: readonly MaskPartsResult[], n: number): MaskPartsResult {
  const errors = parts.every((p) => p.errors) ? new Float64Array(n) : null;
  const holeStart = new Int32Array(n + 1);
  let total = 0;
  for (const p of parts) total += p.holePixels.length;
  const holePixels = new Int32Array(total);
  let k = 0;
  let off = 0;
  for (const p of parts) {
    const m = p.holeStart.length - 1;
    if (errors && p.errors) errors.set(p.errors, k);
    for (let j = 1; j <= m; j++) holeStart[k + j] = off + p.holeStart[j];
    holePixels.set(p.holePixels, off);
    off += p.holePixels.length;
    k += m;
  }
  if (k !== n) throw new RangeError(`mergeMaskParts: parts cover ${k} labels, expected ${n}`);
  return { errors, holeStart, holePixels };
}

/**
 * fill_holes_and_remove_small_masks (5.5) of a 2-D get_masks result whose labels flagged in `drop`
 * (flow QC) are removed first, from its boxes and holes: the same labels as finishMasks on the
 * dropped image, or null when a hole of a kept mask holds another kept mask.
 */
export function finishFromParts(
  labels: LabelImage,
  boxes: MaskBoxes,
  holes: Pick<MaskPartsResult, 'holeStart' | 'holePixels'>,
  drop: Uint8Array | null,
  minSize: number,
  legacyV31MinSize = false,
): Uint16Array | Uint32Array | null {
  const { n, count } = boxes;
  const { holeStart, holePixels } = holes;
  // pass 1: present labels (not dropped) below minSize are removed; v3.1 removed "rank + 1" instead
  const keep = new Uint8Array(n + 1);
  for (let v = 1; v <= n; v++) keep[v] = drop && drop[v] ? 0 : 1;
  if (minSize > 0) {
    const kill = new Uint8Array(n + 2);
    let k = 0;
    for (let v = 1; v <= n; v++) {
      if (!keep[v]) continue;
      if (count[v - 1] < minSize) kill[legacyV31MinSize ? k + 1 : v] = 1;
      k++;
    }
    for (let v = 1; v <= n; v++) if (kill[v]) keep[v] = 0;
  }
  // the fills must not overwrite a kept mask (then the order of the fills matters)
  for (let v = 1; v <= n; v++) {
    if (!keep[v]) continue;
    for (let j = holeStart[v - 1]; j < holeStart[v]; j++) if (keep[labels[holePixels[j]]]) return null;
  }
  // pass 2 on the filled masks, numbered 1..M in label order (= raster order): the filled count
  const table = new Int32Array(n + 1);
  let next = 0;
  for (let v = 1; v <= n; v++) {
    if (!keep[v]) continue;
    const filled = count[v - 1] + holeStart[v] - holeStart[v - 1];
    // the labels are 1..M here, so the v3.1 "rank + 1" is the label itself
    if (minSize > 0 && filled < minSize) continue;
    table[v] = ++next;
  }
  const out = next < 65536 ? new Uint16Array(labels.length) : new Uint32Array(labels.length);
  if (next === 0) return out;
  for (let i = 0; i < labels.length; i++) {
    const v = labels[i];
    if (v !== 0) out[i] = table[v];
  }
  for (let v = 1; v <= n; v++) {
    const t = table[v];
    if (t === 0) continue;
    for (let j = holeStart[v - 1]; j < holeStart[v]; j++) out[holePixels[j]] = t;
  }
  return out;
}
