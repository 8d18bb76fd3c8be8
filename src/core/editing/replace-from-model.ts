// Putting a model's new masks into a document that holds hand-drawn ones. Cellpose wipes every
// mask, hand-drawn ones included, when a model runs (issue #1350); with keepManual we keep them:
// manual masks stay as they are, model masks lose the pixels that overlap them, and a model mask
// clipped below the minimum size is dropped (Cellpose's min_size, 15 px, is the natural floor).
// Ids come out contiguous: manual masks first (in their old order), then model masks in the order
// of their model ids. One undo step; the atoms hold only pixels whose value changed.
import { makeAtom } from './atom-builder.ts';
import type { EditStep, MaskMeta, PixelAtom } from './edit-step.ts';
import { reject, type LabelView, type Rejection } from './label-view.ts';

export interface ReplaceOptions {
  /** Keep hand-drawn (ismanual) masks and fill the model's masks around them. */
  keepManual: boolean;
  /** A clipped model mask smaller than this is dropped (default 15, Cellpose's min_size). */
  minSizePx?: number;
}

export function buildReplaceStep(
  view: LabelView,
  modelLabels: Uint8Array | Uint16Array | Uint32Array | Int32Array,
  opts: ReplaceOptions,
): EditStep | Rejection {
  const { labels, nz, ny, nx } = view;
  if (modelLabels.length !== labels.length) return reject(`model masks have ${modelLabels.length} pixels, the image has ${labels.length}`);
  const minSize = opts.minSizePx ?? 15;
  // Model ids -> dense slots in increasing model-id order.
  let maxModel = 0;
  for (let i = 0; i < modelLabels.length; i++) {
    const v = modelLabels[i];
    if (v < 0) return reject(`model mask value ${v} is negative`);
    if (v > maxModel) maxModel = v;
  }
  if (maxModel > 4 * modelLabels.length + 1024) return reject(`model mask id ${maxModel} is implausibly large`);
  const manualNewId = new Uint32Array(view.count + 1);
  const rows: MaskMeta[] = [];
  if (opts.keepManual) {
    for (let id = 1; id <= view.count; id++) {
      const r = view.metaOf(id);
      if (r.ismanual && view.areaOf(id) > 0) {
        rows.push(r);
        manualNewId[id] = rows.length;
      }
    }
  }
  const kept = new Float64Array(maxModel + 1);
  const clipped = new Uint8Array(maxModel + 1);
  for (let i = 0; i < modelLabels.length; i++) {
    const v = modelLabels[i];
    if (v === 0) continue;
    if (manualNewId[labels[i]] !== 0) clipped[v] = 1;
    else kept[v]++;
  }
  const modelNewId = new Uint32Array(maxModel + 1);
  for (let v = 1; v <= maxModel; v++) {
    if (kept[v] === 0 || (clipped[v] && kept[v] < minSize)) continue;
    rows.push({ ismanual: false, zdraw: null, colorIndex: rows.length + 1 });
    modelNewId[v] = rows.length;
  }
  const planeSize = ny * nx;
  const atoms: PixelAtom[] = [];
  for (let z = 0; z < nz; z++) {
    const base = z * planeSize;
    // count first, then fill typed arrays: a re-run changes most mask pixels (ids shift)
    let n = 0;
    for (let o = 0; o < planeSize; o++) {
      const cur = labels[base + o];
      const m = manualNewId[cur];
      if ((m !== 0 ? m : modelNewId[modelLabels[base + o]]) !== cur) n++;
    }
    if (n === 0) continue;
    const offsets = new Uint32Array(n);
    const before = new Uint32Array(n);
    const after = new Uint32Array(n);
    let k = 0;
    for (let o = 0; o < planeSize; o++) {
      const cur = labels[base + o];
      const m = manualNewId[cur];
      const next = m !== 0 ? m : modelNewId[modelLabels[base + o]];
      if (next !== cur) {
        offsets[k] = o;
        before[k] = cur;
        after[k] = next;
        k++;
      }
    }
    atoms.push(makeAtom(z, nx, offsets, before, after));
  }
  const old: MaskMeta[] = [];
  for (let id = 1; id <= view.count; id++) old.push(view.metaOf(id));
  return { name: 'masks from model', remapBefore: null, atoms, remapAfter: null, meta: [{ at: 0, removed: old, inserted: rows }] };
}
