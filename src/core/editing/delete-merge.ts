// Deleting and merging masks (GUI_AND_FORMATS A.7): the removed id's pixels are cleared (or given
// to the kept mask), then every id above it shifts down by one and its metadata row goes, so ids
// stay contiguous. The step stores the removed ids, not a copy of the relabelled image.
import { AtomBuilder } from './atom-builder.ts';
import type { EditStep } from './edit-step.ts';
import { reject, type LabelView, type Rejection } from './label-view.ts';
import { removalSplices } from './meta-splices.ts';

function checkId(view: LabelView, id: number): string | null {
  if (!Number.isInteger(id) || id < 1 || id > view.count) return `no mask with id ${id} (ids are 1..${view.count})`;
  return null;
}

/** Sets every pixel of `id` to `value` (scanning only the id's box). */
export function relabelPixels(view: LabelView, b: AtomBuilder, id: number, value: number): void {
  const [z0, z1, y0, y1, x0, x1] = view.boxOf(id);
  const { nx, ny, labels } = view;
  for (let z = z0; z < z1; z++) {
    for (let y = y0; y < y1; y++) {
      const row = (z * ny + y) * nx;
      for (let x = x0; x < x1; x++) if (labels[row + x] === id) b.set(z, y * nx + x, value);
    }
  }
}

/** Deletes masks (bulk delete: all at once, one step). */
export function buildDeleteStep(view: LabelView, ids: readonly number[]): EditStep | Rejection {
  if (ids.length === 0) return reject('no mask selected');
  const sorted = [...new Set(ids)].sort((a, b) => a - b);
  for (const id of sorted) {
    const bad = checkId(view, id);
    if (bad) return reject(bad);
  }
  const b = new AtomBuilder(view);
  for (const id of sorted) relabelPixels(view, b, id, 0);
  return {
    name: sorted.length === 1 ? 'delete mask' : `delete ${sorted.length} masks`,
    remapBefore: null,
    atoms: b.finish(),
    remapAfter: { kind: 'remove', ids: Uint32Array.from(sorted) },
    meta: removalSplices(view, sorted),
  };
}

/**
 * Merges `otherId` into `keepId` (Cellpose: Alt+click merges the clicked mask into the selected
 * one, which keeps its id, colour and flags). `otherId` is then removed and higher ids shift down.
 */
export function buildMergeStep(view: LabelView, keepId: number, otherId: number): EditStep | Rejection {
  const bad = checkId(view, keepId) ?? checkId(view, otherId);
  if (bad) return reject(bad);
  if (keepId === otherId) return reject('cannot merge a mask with itself');
  const b = new AtomBuilder(view);
  relabelPixels(view, b, otherId, keepId);
  return {
    name: 'merge masks',
    remapBefore: null,
    atoms: b.finish(),
    remapAfter: { kind: 'remove', ids: Uint32Array.of(otherId) },
    meta: removalSplices(view, [otherId]),
  };
}

/** Removes every mask (Cellpose's Ctrl+0, which it cannot undo; this step can be undone). */
export function buildClearAllStep(view: LabelView): EditStep | Rejection {
  if (view.count === 0) return reject('there are no masks');
  const { labels, nz, ny, nx } = view;
  const planeSize = ny * nx;
  const b = new AtomBuilder(view);
  for (let z = 0; z < nz; z++) {
    const base = z * planeSize;
    for (let o = 0; o < planeSize; o++) if (labels[base + o] !== 0) b.set(z, o, 0);
  }
  const rows = [];
  for (let id = 1; id <= view.count; id++) rows.push(view.metaOf(id));
  // No renumbering is needed: once every pixel is background, no id is left to shift.
  return { name: 'clear all masks', remapBefore: null, atoms: b.finish(), remapAfter: null, meta: [{ at: 0, removed: rows, inserted: [] }] };
}
