// Cellpose's `manual_changes` edit log of the 2D GUI (_seg.npy key, GUI_AND_FORMATS B.2): a list of
// [ "MM/DD/YYYY, HH:MM:SS", "added mask" | "removed mask", [rows, cols] ] entries, appended when a
// mask is drawn or deleted. We derive it from the applied steps: a step that creates ids logs
// "added mask" with their pixels, a step that removes ids logs "removed mask" with the pixels they
// had. Like Cellpose: a merge logs the merged-away mask as removed (its merge calls remove_cell);
// nothing is logged in 3D, for clear-all or for model runs (nor for undoing those).
import type { EditStep } from './edit-step.ts';
import type { LabelDocument } from './label-document.ts';

export interface ManualChange {
  /** Local time as Cellpose's strftime("%m/%d/%Y, %H:%M:%S"). */
  readonly time: string;
  readonly action: 'added mask' | 'removed mask';
  /** Pixel rows and columns (numpy's nonzero order: row-major). */
  readonly rows: Int32Array;
  readonly cols: Int32Array;
}

/** Steps that replace every mask at once (their inverses keep the name). */
const UNLOGGED = new Set(['clear all masks', 'masks from model']);

function two(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

export function cellposeTimestamp(d: Date): string {
  return `${two(d.getMonth() + 1)}/${two(d.getDate())}/${d.getFullYear()}, ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

/** Pixels of the step's atoms whose value (before or after) is `id`, sorted row-major. */
function pixelsOf(step: EditStep, nx: number, id: number, side: 'before' | 'after'): { rows: Int32Array; cols: Int32Array } {
  const offs: number[] = [];
  for (const a of step.atoms) {
    if (a.z !== 0) continue;
    const vals = side === 'before' ? a.before : a.after;
    for (let i = 0; i < a.offsets.length; i++) {
      const v = typeof vals === 'number' ? vals : vals[i];
      if (v === id) offs.push(a.offsets[i]);
    }
  }
  offs.sort((p, q) => p - q);
  const rows = new Int32Array(offs.length);
  const cols = new Int32Array(offs.length);
  for (let i = 0; i < offs.length; i++) {
    rows[i] = Math.floor(offs[i] / nx);
    cols[i] = offs[i] - rows[i] * nx;
  }
  return { rows, cols };
}

/** Entries for one applied step, given the mask count after it. */
export function changesOfStep(step: EditStep, countAfter: number, nx: number, now: Date): ManualChange[] {
  if (UNLOGGED.has(step.name)) return [];
  const time = cellposeTimestamp(now);
  let delta = 0;
  for (const m of step.meta) delta += m.inserted.length - m.removed.length;
  const countBefore = countAfter - delta;
  const out: ManualChange[] = [];
  if (step.remapAfter?.kind === 'remove') {
    for (const id of step.remapAfter.ids) out.push({ time, action: 'removed mask', ...pixelsOf(step, nx, id, 'before') });
  }
  // New ids: those past the old count (after any ids an undo re-inserted first).
  const inserted = step.remapBefore?.kind === 'insert' ? step.remapBefore.ids.length : 0;
  const firstNew = countBefore + inserted + 1;
  const seen = new Set<number>();
  for (const a of step.atoms) {
    if (typeof a.after === 'number') {
      if (a.after >= firstNew) seen.add(a.after);
    } else for (let i = 0; i < a.after.length; i++) if (a.after[i] >= firstNew) seen.add(a.after[i]);
  }
  if (step.remapBefore?.kind === 'insert') for (const id of step.remapBefore.ids) seen.add(id);
  for (const id of [...seen].sort((p, q) => p - q)) {
    const px = pixelsOf(step, nx, id, 'after');
    if (px.rows.length) out.push({ time, action: 'added mask', ...px });
  }
  return out;
}

/**
 * Records the log for a 2D document from now on. Clear-all and model runs (which replace all
 * rows without renumbering) are not logged, as in Cellpose.
 */
export function trackManualChanges(doc: LabelDocument, log: ManualChange[], clock: () => Date = () => new Date()): () => void {
  return doc.onStep((step) => {
    if (doc.nz !== 1) return;
    for (const c of changesOfStep(step, doc.count, doc.nx, clock())) log.push(c);
  });
}
