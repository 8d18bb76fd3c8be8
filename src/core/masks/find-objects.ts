// Tight bounding boxes and pixel counts of every present label (scipy.ndimage.find_objects, which
// Cellpose uses for per-mask work: flows, hole filling, outlines).
import { asVolumeShape, type LabelImage } from './labels.ts';

export interface LabelBoxes {
  /** Present labels, increasing. */
  labels: Uint32Array;
  /** Boxes as half-open ranges [z0, z1) x [y0, y1) x [x0, x1), one entry per present label. */
  z0: Int32Array;
  z1: Int32Array;
  y0: Int32Array;
  y1: Int32Array;
  x0: Int32Array;
  x1: Int32Array;
  /** Pixel (voxel) count of each label. */
  count: Float64Array;
}

/**
 * Bounding boxes of all labels > 0 of a 2-D or 3-D label image, in increasing label order. Label
 * values may be sparse and large: a dense table is used only when it stays small.
 */
export function findObjects(masks: LabelImage, shape: readonly number[]): LabelBoxes {
  const [lz, ly, lx] = asVolumeShape(shape);
  let max = 0;
  for (let i = 0; i < masks.length; i++) if (masks[i] > max) max = masks[i];
  // Per-value tables cost 40 bytes per value: only for a label range about the image size (always
  // the case after a renumber), else the slot-mapped scan.
  return max <= masks.length + 1024 ? findObjectsDense(masks, lz, ly, lx, max) : findObjectsSparse(masks, lz, ly, lx, max);
}

/** One raster pass with tables indexed by the label value, then the present labels compacted. */
function findObjectsDense(masks: LabelImage, lz: number, ly: number, lx: number, max: number): LabelBoxes {
  const n1 = max + 1;
  const z0 = new Int32Array(n1);
  const z1 = new Int32Array(n1);
  const y0 = new Int32Array(n1).fill(ly);
  const y1 = new Int32Array(n1);
  const x0 = new Int32Array(n1).fill(lx);
  const x1 = new Int32Array(n1);
  const count = new Float64Array(n1);
  let i = 0;
  for (let z = 0; z < lz; z++) {
    for (let y = 0; y < ly; y++) {
      for (let x = 0; x < lx; x++, i++) {
        const v = masks[i];
        if (v <= 0) continue;
        // raster order: the first voxel of a label has its smallest z and the latest its largest;
        // y is ordered only within a plane, so in 3-D it needs its own min and max
        if (count[v] === 0) z0[v] = z;
        z1[v] = z + 1;
        if (y < y0[v]) y0[v] = y;
        if (y >= y1[v]) y1[v] = y + 1;
        if (x < x0[v]) x0[v] = x;
        if (x >= x1[v]) x1[v] = x + 1;
        count[v]++;
      }
    }
  }
  let n = 0;
  for (let v = 1; v <= max; v++) if (count[v] > 0) n++;
  const boxes: LabelBoxes = {
    labels: new Uint32Array(n),
    z0: new Int32Array(n),
    z1: new Int32Array(n),
    y0: new Int32Array(n),
    y1: new Int32Array(n),
    x0: new Int32Array(n),
    x1: new Int32Array(n),
    count: new Float64Array(n),
  };
  let k = 0;
  for (let v = 1; v <= max; v++) {
    if (count[v] === 0) continue;
    boxes.labels[k] = v;
    boxes.z0[k] = z0[v];
    boxes.z1[k] = z1[v];
    boxes.y0[k] = y0[v];
    boxes.y1[k] = y1[v];
    boxes.x0[k] = x0[v];
    boxes.x1[k] = x1[v];
    boxes.count[k] = count[v];
    k++;
  }
  return boxes;
}

function findObjectsSparse(masks: LabelImage, lz: number, ly: number, lx: number, max: number): LabelBoxes {
  // Slot of each label value: a dense table when max is comparable to the image size, else a map.
  const dense = max <= 4 * masks.length + 1024;
  const slotOf = dense ? new Int32Array(max + 1).fill(-1) : null;
  const slotMap = dense ? null : new Map<number, number>();
  const present: number[] = [];
  for (let i = 0; i < masks.length; i++) {
    const v = masks[i];
    if (v <= 0) continue;
    if (slotOf) {
      if (slotOf[v] < 0) {
        slotOf[v] = present.length;
        present.push(v);
      }
    } else if (slotMap && !slotMap.has(v)) {
      slotMap.set(v, present.length);
      present.push(v);
    }
  }
  const n = present.length;
  const order = present.map((_, k) => k).sort((a, b) => present[a] - present[b]);
  // rank[k] = position of the k-th discovered label in increasing order
  const rank = new Int32Array(n);
  order.forEach((k, r) => (rank[k] = r));
  const boxes: LabelBoxes = {
    labels: new Uint32Array(n),
    z0: new Int32Array(n).fill(lz),
    z1: new Int32Array(n),
    y0: new Int32Array(n).fill(ly),
    y1: new Int32Array(n),
    x0: new Int32Array(n).fill(lx),
    x1: new Int32Array(n),
    count: new Float64Array(n),
  };
  for (let k = 0; k < n; k++) boxes.labels[rank[k]] = present[k];
  let i = 0;
  for (let z = 0; z < lz; z++) {
    for (let y = 0; y < ly; y++) {
      for (let x = 0; x < lx; x++, i++) {
        const v = masks[i];
        if (v <= 0) continue;
        const s = rank[slotOf ? slotOf[v] : (slotMap as Map<number, number>).get(v) as number];
        if (z < boxes.z0[s]) boxes.z0[s] = z;
        if (z + 1 > boxes.z1[s]) boxes.z1[s] = z + 1;
        if (y < boxes.y0[s]) boxes.y0[s] = y;
        if (y + 1 > boxes.y1[s]) boxes.y1[s] = y + 1;
        if (x < boxes.x0[s]) boxes.x0[s] = x;
        if (x + 1 > boxes.x1[s]) boxes.x1[s] = x + 1;
        boxes.count[s]++;
      }
    }
  }
  return boxes;
}
