// Metadata splices that operations attach to their steps (rows are indexed id - 1).
import type { MaskMeta, MetaSplice } from './edit-step.ts';
import type { LabelView } from './label-view.ts';

/** The row of a new hand-drawn mask appended as id N+1 (Cellpose: ismanual True, zdraw planes). */
export function appendManualRow(view: LabelView, zdraw: Int32Array): MetaSplice {
  const row: MaskMeta = { ismanual: true, zdraw, colorIndex: view.count + 1 };
  return { at: view.count, removed: [], inserted: [row] };
}

/** Marks an existing mask as hand-corrected; null if it already is. */
export function markManual(view: LabelView, id: number): MetaSplice | null {
  const r = view.metaOf(id);
  if (r.ismanual) return null;
  return { at: id - 1, removed: [r], inserted: [{ ismanual: true, zdraw: r.zdraw, colorIndex: r.colorIndex }] };
}

/**
 * Splices removing the rows of `ids` (increasing, current numbering), highest first so the lower
 * row indices stay valid, as Cellpose's remove_cell loop does. `prior` splices run before these
 * and must only touch rows above the removed ones or replace rows in place.
 */
export function removalSplices(view: LabelView, ids: readonly number[], prior: readonly MetaSplice[] = []): MetaSplice[] {
  const rows: MaskMeta[] = [];
  for (let id = 1; id <= view.count; id++) rows.push(view.metaOf(id));
  for (const m of prior) rows.splice(m.at, m.removed.length, ...m.inserted);
  const out: MetaSplice[] = [];
  for (let k = ids.length - 1; k >= 0; k--) out.push({ at: ids[k] - 1, removed: [rows[ids[k] - 1]], inserted: [] });
  return out;
}
