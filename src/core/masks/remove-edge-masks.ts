// utils.remove_edge_masks (Cellpose 3.1, change_index=True), used by the CLI's --exclude_on_edges.
import { findObjects } from './find-objects.ts';
import type { LabelImage } from './labels.ts';
import { relabelSequential } from './renumber.ts';

/**
 * In place: every mask whose bounding box touches a border of the image is removed (Y and X for a
 * 2-D shape [ly, lx]; also Z for a 3-D shape [lz, ly, lx]), and the masks left are numbered 1..N
 * in increasing order of their old labels, as np.unique's inverse numbers them. Returns N.
 */
export function removeEdgeMasks(masks: LabelImage, shape: readonly number[]): number {
  const is3D = shape.length === 3;
  const [lz, ly, lx] = is3D ? shape : [1, shape[0], shape[1]];
  const boxes = findObjects(masks, [lz, ly, lx]);
  const drop = new Set<number>();
  for (let k = 0; k < boxes.labels.length; k++) {
    const onZ = is3D && (boxes.z0[k] === 0 || boxes.z1[k] === lz);
    if (onZ || boxes.y0[k] === 0 || boxes.y1[k] === ly || boxes.x0[k] === 0 || boxes.x1[k] === lx) drop.add(boxes.labels[k]);
  }
  if (drop.size > 0) {
    for (let i = 0; i < masks.length; i++) if (drop.has(masks[i])) masks[i] = 0;
  }
  return relabelSequential(masks);
}
