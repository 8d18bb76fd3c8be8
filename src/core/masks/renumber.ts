// Label renumbering. Two orders occur in Cellpose and both are needed (ALGORITHMS.md 10.19):
// fastremap.renumber numbers labels by first appearance in a raster scan; fill_holes relabels in
// label-value order (relabelSequential).
import type { LabelImage } from './labels.ts';

/**
 * In place: each distinct non-zero value gets 1, 2, 3, ... in order of first appearance in a
 * raster (C-order) scan; 0 stays 0. Returns the number of labels.
 */
export function renumber(masks: LabelImage): number {
  const map = new Map<number, number>();
  let next = 0;
  // Fast path for the common case of a small dense label range.
  let max = 0;
  for (let i = 0; i < masks.length; i++) if (masks[i] > max) max = masks[i];
  if (max <= 4 * masks.length + 1024) {
    const table = new Uint32Array(max + 1);
    for (let i = 0; i < masks.length; i++) {
      const v = masks[i];
      if (v === 0) continue;
      let t = table[v];
      if (t === 0) t = table[v] = ++next;
      masks[i] = t;
    }
    return next;
  }
  for (let i = 0; i < masks.length; i++) {
    const v = masks[i];
    if (v === 0) continue;
    let t = map.get(v);
    if (t === undefined) {
      t = ++next;
      map.set(v, t);
    }
    masks[i] = t;
  }
  return next;
}

/**
 * In place: the present labels, in increasing value order, become 1..N (0 stays 0). Returns N.
 */
export function relabelSequential(masks: LabelImage): number {
  const present = [...new Set(masks)].filter((v) => v > 0).sort((a, b) => a - b);
  const map = new Map<number, number>();
  present.forEach((v, k) => map.set(v, k + 1));
  for (let i = 0; i < masks.length; i++) {
    const v = masks[i];
    if (v > 0) masks[i] = map.get(v) as number;
  }
  return present.length;
}
