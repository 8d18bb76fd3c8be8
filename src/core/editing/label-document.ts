// The mask-editing model: a label volume with contiguous ids 1..N, per-mask metadata (ismanual,
// zdraw, colour), an undo history of small atoms, an incrementally maintained outline image, and
// change events that carry only dirty boxes. Pure: no DOM, no Node; the GUI and the journal listen.
import { findObjects } from '../masks/find-objects.ts';
import { CropScratch } from '../masks/outer-background.ts';
import { masksToOutlines, outlinesOfPlane } from '../masks/masks-to-outlines.ts';
import type { Box } from './box.ts';
import { invertStep, type EditStep, type IdRemap, type MaskMeta, type MetaSplice, type PixelAtom } from './edit-step.ts';
import { applyTable, remapTable } from './id-remap.ts';
import { removalSplices } from './meta-splices.ts';
import type { LabelArray, LabelView, Rejection } from './label-view.ts';
import { buildClearAllStep, buildDeleteStep, buildMergeStep } from './delete-merge.ts';
import { buildFloodFillStep } from './flood-fill.ts';
import { clearChangedOutlines, localOutlines, redoLabelOutline } from './outline-update.ts';
import { forEachLinePixel } from './raster.ts';
import { buildReplaceStep, type ReplaceOptions } from './replace-from-model.ts';
import { buildSplitStep } from './split-mask.ts';
import { buildInterpolateZStep, buildTraceStep, type TraceStroke } from './trace-mask.ts';
import { UndoStack, type UndoLimits } from './undo.ts';

/** Ids at or above this no longer fit Cellpose's uint16 masks (it saves uint32 then, B.2). */
export const UINT16_ID_LIMIT = 65535;

export interface LabelDocumentInit {
  /** Label image, row-major; copied (the document owns its buffer). */
  labels: Uint8Array | Uint16Array | Uint32Array | Int32Array;
  /** (Y, X) or (Z, Y, X). */
  shape: readonly number[];
  /** One entry per id 1..N (after renumbering); default all false. */
  ismanual?: ArrayLike<boolean | number>;
  /** One entry per id; null = not hand-drawn. Default all null. */
  zdraw?: ReadonlyArray<ArrayLike<number> | null>;
  /** One entry per id; default the id itself. */
  colorIndex?: ArrayLike<number>;
  /** Keep an outline image up to date (default true). */
  trackOutlines?: boolean;
  undo?: UndoLimits;
}

export interface ChangeEvent {
  /** Where pixels changed (one box per touched plane and atom); never the whole image for an edit. */
  readonly boxes: readonly Box[];
  /**
   * Ids were renumbered (a delete or merge shifted every id above the removed one): pixel values
   * changed everywhere although the picture did not, so an id texture must be re-uploaded while a
   * colour texture needs only `boxes`.
   */
  readonly idsRenumbered: boolean;
  readonly metaChanged: boolean;
  readonly count: number;
  readonly source: 'edit' | 'stroke' | 'undo' | 'redo';
}

export type ChangeListener = (e: ChangeEvent) => void;
/** A step as applied to the document (an undo is reported as the inverse step). */
export type StepListener = (applied: EditStep, source: 'edit' | 'undo' | 'redo') => void;

export interface MaskInfo {
  id: number;
  areaPx: number;
  ismanual: boolean;
  zdraw: Int32Array | null;
  colorIndex: number;
  /** Tight box of the mask, half-open. */
  bbox: Box;
}

export type EditOutcome = { ok: true; step: EditStep } | Rejection;

function checkShape(shape: readonly number[], length: number): [number, number, number] {
  if (shape.length !== 2 && shape.length !== 3) throw new RangeError(`labels: expected a (Y, X) or (Z, Y, X) shape, got [${shape.join(', ')}]`);
  for (const d of shape) if (!Number.isInteger(d) || d < 1) throw new RangeError(`labels: bad shape [${shape.join(', ')}]`);
  const s: [number, number, number] = shape.length === 2 ? [1, shape[0], shape[1]] : [shape[0], shape[1], shape[2]];
  if (s[0] * s[1] * s[2] !== length) throw new RangeError(`labels: data length ${length} does not match shape [${shape.join(', ')}]`);
  if (s[1] * s[2] > 0xffffffff) throw new RangeError(`labels: plane of ${s[1]} x ${s[2]} is too large`);
  return s;
}

function metaRow(ismanual: boolean, zdraw: Int32Array | null, colorIndex: number): MaskMeta {
  return { ismanual, zdraw, colorIndex };
}

export class LabelDocument implements LabelView {
  readonly nz: number;
  readonly ny: number;
  readonly nx: number;
  readonly undoStack: UndoStack;
  /** True when the input ids had gaps and were renumbered 1..N (order kept) on load. */
  readonly renumberedOnLoad: boolean;
  private _labels: LabelArray;
  private _outlines: Uint8Array | null;
  private rows: MaskMeta[];
  /** Pixel count per id (index 0 = background). */
  private areas: Float64Array;
  /** Conservative box per id: 6 entries [z0, z1, y0, y1, x0, x1]. */
  private boxes: Int32Array;
  private readonly changeListeners = new Set<ChangeListener>();
  private readonly stepListeners = new Set<StepListener>();
  private readonly scratch = new CropScratch();
  private strokeState: StrokeSession | null = null;

  constructor(init: LabelDocumentInit) {
    const [nz, ny, nx] = checkShape(init.shape, init.labels.length);
    this.nz = nz;
    this.ny = ny;
    this.nx = nx;
    const src = init.labels;
    let max = 0;
    for (let i = 0; i < src.length; i++) {
      const v = src[i];
      if (v < 0 || !Number.isInteger(v)) throw new RangeError(`labels: negative or non-integer label ${v} at index ${i}`);
      if (v > max) max = v;
    }
    const objects = findObjects(src, [nz, ny, nx]);
    const n = objects.labels.length;
    const renumber = max !== n;
    this.renumberedOnLoad = renumber;
    this._labels = n >= UINT16_ID_LIMIT ? new Uint32Array(src.length) : new Uint16Array(src.length);
    if (renumber) {
      const idOf = new Map<number, number>();
      for (let k = 0; k < n; k++) idOf.set(objects.labels[k], k + 1);
      for (let i = 0; i < src.length; i++) this._labels[i] = src[i] === 0 ? 0 : (idOf.get(src[i]) as number);
    } else this._labels.set(src);
    this.areas = new Float64Array(n + 2);
    this.boxes = new Int32Array((n + 2) * 6);
    let fg = 0;
    for (let k = 0; k < n; k++) {
      const id = k + 1;
      this.areas[id] = objects.count[k];
      fg += objects.count[k];
      this.boxes.set([objects.z0[k], objects.z1[k], objects.y0[k], objects.y1[k], objects.x0[k], objects.x1[k]], id * 6);
    }
    this.areas[0] = src.length - fg;
    this.rows = [];
    for (const [what, arr] of [['ismanual', init.ismanual], ['zdraw', init.zdraw], ['colorIndex', init.colorIndex]] as const) {
      if (arr && arr.length !== n) throw new RangeError(`${what}: ${arr.length} entries for ${n} masks`);
    }
    for (let k = 0; k < n; k++) {
      const z = init.zdraw?.[k];
      this.rows.push(metaRow(Boolean(init.ismanual?.[k]), z ? Int32Array.from(z) : null, init.colorIndex ? init.colorIndex[k] : k + 1));
    }
    this._outlines = init.trackOutlines ?? true ? masksToOutlines(this._labels, [nz, ny, nx]) : null;
    this.undoStack = new UndoStack(init.undo);
  }

  // ---- reading -------------------------------------------------------------------------------

  get labels(): LabelArray {
    return this._labels;
  }

  /**
   * 1 on outline pixels (ALGORITHMS.md 7.1), kept up to date after every edit; null if off. Live:
   * a view re-reads it inside the dirty boxes of a change event.
   */
  get outlineMask(): Uint8Array | null {
    return this._outlines;
  }

  /** The `_seg.npy` "outlines" array: the label value on outline pixels, 0 elsewhere. */
  labelledOutlines(): LabelArray | null {
    const m = this._outlines;
    if (!m) return null;
    const out = this._labels instanceof Uint32Array ? new Uint32Array(m.length) : new Uint16Array(m.length);
    for (let i = 0; i < m.length; i++) if (m[i]) out[i] = this._labels[i];
    return out;
  }

  get count(): number {
    return this.rows.length;
  }

  get shape(): readonly number[] {
    return this.nz === 1 ? [this.ny, this.nx] : [this.nz, this.ny, this.nx];
  }

  areaOf(id: number): number {
    return id >= 0 && id < this.areas.length ? this.areas[id] : 0;
  }

  boxOf(id: number): readonly [number, number, number, number, number, number] {
    const b = this.boxes;
    const o = id * 6;
    return [b[o], b[o + 1], b[o + 2], b[o + 3], b[o + 4], b[o + 5]];
  }

  metaOf(id: number): MaskMeta {
    const r = this.rows[id - 1];
    if (!r) throw new RangeError(`no mask with id ${id} (there are ${this.rows.length})`);
    return r;
  }

  /** ismanual as Cellpose saves it: bool (N,). */
  ismanualArray(): Uint8Array {
    return Uint8Array.from(this.rows, (r) => (r.ismanual ? 1 : 0));
  }

  zdrawList(): (Int32Array | null)[] {
    return this.rows.map((r) => r.zdraw);
  }

  colorIndexArray(): Uint32Array {
    return Uint32Array.from(this.rows, (r) => r.colorIndex);
  }

  /** The mask under a pixel, or null for background / outside the image. */
  maskAt(x: number, y: number, z = 0): MaskInfo | null {
    if (!this.inside(x, y, z)) return null;
    const id = this._labels[(z * this.ny + y) * this.nx + x];
    if (id === 0) return null;
    const r = this.rows[id - 1];
    return { id, areaPx: this.areas[id], ismanual: r.ismanual, zdraw: r.zdraw, colorIndex: r.colorIndex, bbox: this.tightBox(id) };
  }

  /**
   * Ids of the masks touching a rectangle on plane z, increasing: Cellpose's region-select for
   * bulk delete (A.7). The rectangle is clipped to the image; half-open.
   */
  masksInRect(z: number, y0: number, y1: number, x0: number, x1: number): number[] {
    if (!Number.isInteger(z) || z < 0 || z >= this.nz) return [];
    const ya = Math.max(0, Math.floor(y0));
    const yb = Math.min(this.ny, Math.ceil(y1));
    const xa = Math.max(0, Math.floor(x0));
    const xb = Math.min(this.nx, Math.ceil(x1));
    const seen = new Set<number>();
    for (let y = ya; y < yb; y++) {
      const row = (z * this.ny + y) * this.nx;
      for (let x = xa; x < xb; x++) seen.add(this._labels[row + x]);
    }
    seen.delete(0);
    return [...seen].sort((a, b) => a - b);
  }

  inside(x: number, y: number, z = 0): boolean {
    return Number.isInteger(x) && Number.isInteger(y) && Number.isInteger(z) && x >= 0 && y >= 0 && z >= 0 && x < this.nx && y < this.ny && z < this.nz;
  }

  /** Exact box of an id, found inside its conservative box (which is then tightened). */
  tightBox(id: number): Box {
    const [z0, z1, y0, y1, x0, x1] = this.boxOf(id);
    const t: Box = { z0: Infinity, z1: -Infinity, y0: Infinity, y1: -Infinity, x0: Infinity, x1: -Infinity };
    const lab = this._labels;
    for (let z = z0; z < z1; z++) {
      for (let y = y0; y < y1; y++) {
        const row = (z * this.ny + y) * this.nx;
        for (let x = x0; x < x1; x++) {
          if (lab[row + x] !== id) continue;
          if (z < t.z0) t.z0 = z;
          if (z + 1 > t.z1) t.z1 = z + 1;
          if (y < t.y0) t.y0 = y;
          if (y + 1 > t.y1) t.y1 = y + 1;
          if (x < t.x0) t.x0 = x;
          if (x + 1 > t.x1) t.x1 = x + 1;
        }
      }
    }
    if (t.z1 > t.z0) this.boxes.set([t.z0, t.z1, t.y0, t.y1, t.x0, t.x1], id * 6);
    return t;
  }

  // ---- listeners -----------------------------------------------------------------------------

  onChange(l: ChangeListener): () => void {
    this.changeListeners.add(l);
    return () => this.changeListeners.delete(l);
  }

  /** Every applied step (edits, undos as inverse steps, redos): what a journal appends. */
  onStep(l: StepListener): () => void {
    this.stepListeners.add(l);
    return () => this.stepListeners.delete(l);
  }

  // ---- committing steps ----------------------------------------------------------------------

  /** Applies a step built by an operation and records it for undo. */
  commit(step: EditStep): EditOutcome {
    this.endStrokeIfAny();
    this.applyStep(step, false, 'edit');
    this.undoStack.push(step);
    return { ok: true, step };
  }

  undo(): boolean {
    this.endStrokeIfAny();
    const s = this.undoStack.takeUndo();
    if (!s) return false;
    this.applyStep(invertStep(s), false, 'undo');
    return true;
  }

  redo(): boolean {
    this.endStrokeIfAny();
    const s = this.undoStack.takeRedo();
    if (!s) return false;
    this.applyStep(s, false, 'redo');
    return true;
  }

  /**
   * Applies a step without recording it for undo (journal replay). The step is validated first, so
   * a bad record cannot leave the document half-changed.
   */
  replay(step: EditStep): void {
    this.endStrokeIfAny();
    this.validateStep(step);
    this.applyStep(step, false, 'edit');
  }

  /** Throws a clear error if a step does not fit this document (used for untrusted input). */
  validateStep(step: EditStep): void {
    let count = this.count;
    let maxAfter = 0;
    const planeSize = this.ny * this.nx;
    if (step.remapBefore) count = remapTable(step.remapBefore, count).newCount;
    for (const a of step.atoms) {
      if (!Number.isInteger(a.z) || a.z < 0 || a.z >= this.nz) throw new RangeError(`edit step: plane ${a.z} outside 0..${this.nz - 1}`);
      if (a.before.length !== a.offsets.length || (typeof a.after !== 'number' && a.after.length !== a.offsets.length)) {
        throw new RangeError('edit step: atom arrays of different lengths');
      }
      for (let i = 0; i < a.offsets.length; i++) if (a.offsets[i] >= planeSize) throw new RangeError(`edit step: pixel offset ${a.offsets[i]} outside the plane`);
      const limit = count + 1 + 4 * a.offsets.length;
      if (typeof a.after === 'number') {
        if (!Number.isInteger(a.after) || a.after < 0 || a.after > limit) throw new RangeError(`edit step: label ${a.after} out of range`);
        maxAfter = Math.max(maxAfter, a.after);
      } else {
        for (let i = 0; i < a.after.length; i++) {
          if (a.after[i] > limit) throw new RangeError(`edit step: label ${a.after[i]} out of range`);
          if (a.after[i] > maxAfter) maxAfter = a.after[i];
        }
      }
    }
    // Throws on ids that cannot exist, before anything is written.
    if (step.remapAfter) count = remapTable(step.remapAfter, Math.max(count, maxAfter)).newCount;
    let rows = this.count;
    for (const m of step.meta) {
      if (m.at < 0 || m.at + m.removed.length > rows) throw new RangeError(`edit step: metadata rows ${m.at}..${m.at + m.removed.length} outside 0..${rows}`);
      rows += m.inserted.length - m.removed.length;
    }
  }

  private ensureCapacity(maxId: number): void {
    if (maxId >= UINT16_ID_LIMIT && this._labels instanceof Uint16Array) {
      // Cellpose switches to uint32 masks once ids reach 65535 (B.2); promotion is never undone.
      this._labels = Uint32Array.from(this._labels);
    }
    if (maxId + 1 < this.areas.length) return;
    const cap = Math.max(maxId + 2, Math.ceil(this.areas.length * 1.5));
    const a = new Float64Array(cap);
    a.set(this.areas);
    this.areas = a;
    const b = new Int32Array(cap * 6);
    b.set(this.boxes);
    for (let id = this.boxes.length / 6; id < cap; id++) b.set(EMPTY_BOX, id * 6);
    this.boxes = b;
  }

  private applyRemap(r: IdRemap, touchedSets: Set<number>[] | null): void {
    const { lut, newCount } = remapTable(r, this.maxIdInUse());
    applyTable(this._labels, lut);
    this.ensureCapacity(newCount + 1);
    const areas = new Float64Array(this.areas.length);
    const boxes = new Int32Array(this.boxes.length);
    for (let id = 0; id < boxes.length / 6; id++) boxes.set(EMPTY_BOX, id * 6);
    areas[0] = this.areas[0];
    for (let v = 1; v < lut.length; v++) {
      const w = lut[v];
      if (w === 0) continue;
      areas[w] = this.areas[v];
      boxes.set(this.boxes.subarray(v * 6, v * 6 + 6), w * 6);
    }
    this.areas = areas;
    this.boxes = boxes;
    for (const touched of touchedSets ?? []) {
      const mapped = new Set<number>();
      for (const id of touched) {
        const w = id < lut.length ? lut[id] : id;
        if (w !== 0) mapped.add(w);
      }
      touched.clear();
      for (const id of mapped) touched.add(id);
    }
  }

  /** Highest id that may have pixels: the row count, or one more while a stroke paints a new id. */
  private maxIdInUse(): number {
    let m = this.count;
    while (m + 1 < this.areas.length && this.areas[m + 1] > 0) m++;
    return m;
  }

  private writeAtom(a: PixelAtom, touchedPerPlane: Map<number, Set<number>>): void {
    // Grow (and possibly promote to uint32) before taking the array.
    if (typeof a.after === 'number') this.ensureCapacity(a.after);
    else {
      let max = 0;
      for (let i = 0; i < a.after.length; i++) if (a.after[i] > max) max = a.after[i];
      this.ensureCapacity(max);
    }
    const lab = this._labels;
    const base = a.z * this.ny * this.nx;
    const nx = this.nx;
    let touched = touchedPerPlane.get(a.z);
    if (!touched) {
      touched = new Set<number>();
      touchedPerPlane.set(a.z, touched);
    }
    if (typeof a.after === 'number') {
      const v = a.after;
      for (let i = 0; i < a.offsets.length; i++) {
        const b = a.before[i];
        lab[base + a.offsets[i]] = v;
        this.areas[b]--;
        touched.add(b);
      }
      this.areas[v] += a.offsets.length;
      touched.add(v);
      if (v !== 0) this.growBox(v, a.z, a.y0, a.y1, a.x0, a.x1);
    } else {
      // neighbouring changed pixels mostly share their ids: add to the set only on a change of id
      let lastB = -1;
      let lastV = -1;
      for (let i = 0; i < a.offsets.length; i++) {
        const o = a.offsets[i];
        const v = a.after[i];
        const b = a.before[i];
        lab[base + o] = v;
        this.areas[b]--;
        this.areas[v]++;
        if (b !== lastB) {
          touched.add(b);
          lastB = b;
        }
        if (v !== lastV) {
          touched.add(v);
          lastV = v;
        }
        if (v !== 0) {
          const y = (o / nx) | 0;
          const x = o - y * nx;
          this.growBox(v, a.z, y, y + 1, x, x + 1);
        }
      }
    }
    touched.delete(0);
  }

  private growBox(id: number, z: number, y0: number, y1: number, x0: number, x1: number): void {
    const b = this.boxes;
    const o = id * 6;
    if (z < b[o]) b[o] = z;
    if (z + 1 > b[o + 1]) b[o + 1] = z + 1;
    if (y0 < b[o + 2]) b[o + 2] = y0;
    if (y1 > b[o + 3]) b[o + 3] = y1;
    if (x0 < b[o + 4]) b[o + 4] = x0;
    if (x1 > b[o + 5]) b[o + 5] = x1;
  }

  private applyMeta(splices: readonly MetaSplice[]): void {
    for (const m of splices) this.rows.splice(m.at, m.removed.length, ...m.inserted);
  }

  /** Redoes the outlines of the touched masks; returns the boxes where outline bits changed. */
  private refreshOutlines(atoms: readonly PixelAtom[], touchedPerPlane: Map<number, Set<number>>): Box[] {
    const out = this._outlines;
    if (!out) return [];
    const planeSize = this.ny * this.nx;
    for (const a of atoms) clearChangedOutlines(out, a.z * planeSize, a.offsets);
    const flippedBoxes: Box[] = [];
    for (const [z, ids] of touchedPerPlane) {
      if (this.planeRedoIsCheaper(z, ids)) {
        this.redoPlaneOutlines(z);
        flippedBoxes.push({ z0: z, z1: z + 1, y0: 0, y1: this.ny, x0: 0, x1: this.nx });
        continue;
      }
      const flipped = { y0: Infinity, y1: -Infinity, x0: Infinity, x1: -Infinity };
      for (const id of ids) {
        if (id === 0 || !(this.areas[id] > 0)) continue;
        const o = id * 6;
        const b = this.boxes;
        if (z < b[o] || z >= b[o + 1]) continue;
        const box = { y0: b[o + 2], y1: b[o + 3], x0: b[o + 4], x1: b[o + 5] };
        const tight = redoLabelOutline(this._labels, out, z * planeSize, this.nx, id, box, this.scratch, flipped);
        if (tight && this.nz === 1) this.boxes.set([0, 1, tight.y0, tight.y1, tight.x0, tight.x1], o);
      }
      if (flipped.y1 > flipped.y0) flippedBoxes.push({ z0: z, z1: z + 1, ...flipped });
    }
    return flippedBoxes;
  }

  /**
   * True when redoing the touched masks one by one would scan more than the plane: a model re-run
   * (or a re-threshold) touches every mask, and a reused id's box is the union of its old and new
   * mask's boxes, which can span the image width.
   */
  private planeRedoIsCheaper(z: number, ids: Set<number>): boolean {
    const planeSize = this.ny * this.nx;
    const b = this.boxes;
    // a box costs a few times more per pixel than the plane pass (crop, fill, tightening), but a
    // hand edit keeps its local repaint box unless it touched the boxes of a whole plane
    const limit = ids.size > 256 ? planeSize / 4 : planeSize;
    let area = 0;
    for (const id of ids) {
      if (id === 0 || !(this.areas[id] > 0)) continue;
      const o = id * 6;
      if (z < b[o] || z >= b[o + 1]) continue;
      area += Math.max(0, b[o + 3] - b[o + 2]) * Math.max(0, b[o + 5] - b[o + 4]);
      if (area > limit) return true;
    }
    return false;
  }

  /** All outlines of plane z in one pass (the same pixels as per mask); in 2-D the boxes become tight. */
  private redoPlaneOutlines(z: number): void {
    const out = this._outlines;
    if (!out) return;
    const planeSize = this.ny * this.nx;
    const offset = z * planeSize;
    out.fill(0, offset, offset + planeSize);
    const found = outlinesOfPlane(this._labels.subarray(offset, offset + planeSize), this.ny, this.nx, out, offset, this.scratch);
    if (this.nz !== 1) return;
    for (let k = 0; k < found.labels.length; k++) {
      const id = found.labels[k];
      if (id * 6 < this.boxes.length) this.boxes.set([0, 1, found.y0[k], found.y1[k], found.x0[k], found.x1[k]], id * 6);
    }
  }

  /** The one place pixels, metadata and outlines change. */
  private applyStep(step: EditStep, atomsAlreadyWritten: boolean, source: ChangeEvent['source']): void {
    const touched = new Map<number, Set<number>>();
    if (step.remapBefore) this.applyRemap(step.remapBefore, null);
    if (!atomsAlreadyWritten) for (const a of step.atoms) this.writeAtom(a, touched);
    else for (const a of step.atoms) collectTouched(a, touched);
    if (step.remapAfter) this.applyRemap(step.remapAfter, [...touched.values()]);
    this.applyMeta(step.meta);
    const outlineBoxes = this.refreshOutlines(step.atoms, touched);
    if (this.count + 1 < this.areas.length) {
      // Ids above N hold no pixels once a step is complete: reset their boxes so a later new mask
      // with that id does not inherit a stale box.
      for (let id = this.count + 1; id < this.areas.length; id++) {
        this.areas[id] = 0;
        this.boxes.set(EMPTY_BOX, id * 6);
      }
    }
    const boxes: Box[] = step.atoms.map((a) => ({ z0: a.z, z1: a.z + 1, y0: a.y0, y1: a.y1, x0: a.x0, x1: a.x1 }));
    for (const b of outlineBoxes) if (!boxes.some((a) => contains(a, b))) boxes.push(b);
    this.emit({ boxes, idsRenumbered: Boolean(step.remapBefore || step.remapAfter), metaChanged: step.meta.length > 0, count: this.count, source }, step, source);
  }

  private emit(e: ChangeEvent, step: EditStep | null, source: ChangeEvent['source']): void {
    for (const l of this.changeListeners) l(e);
    if (step && source !== 'stroke') for (const l of this.stepListeners) l(step, source === 'edit' ? 'edit' : source);
  }

  // ---- operations (each one undo step) -------------------------------------------------------

  private run(built: EditStep | Rejection): EditOutcome {
    if ('ok' in built) return built;
    return this.commit(built);
  }

  /** Cellpose's trace-to-mask of one closed outline on plane z (new id N+1). */
  addMaskFromPolygon(points: ReadonlyArray<readonly [number, number]>, z = 0): EditOutcome {
    this.endStrokeIfAny();
    return this.run(buildTraceStep(this, [{ z, points }]));
  }

  /** Several outlines, one mask (their union; in 3D the planes between are interpolated). */
  addMaskFromStrokes(strokes: readonly TraceStroke[]): EditOutcome {
    this.endStrokeIfAny();
    return this.run(buildTraceStep(this, strokes));
  }

  deleteMask(id: number): EditOutcome {
    this.endStrokeIfAny();
    return this.run(buildDeleteStep(this, [id]));
  }

  deleteMasks(ids: readonly number[]): EditOutcome {
    this.endStrokeIfAny();
    return this.run(buildDeleteStep(this, ids));
  }

  mergeMasks(keepId: number, otherId: number): EditOutcome {
    this.endStrokeIfAny();
    return this.run(buildMergeStep(this, keepId, otherId));
  }

  floodFill(x: number, y: number, z: number, newLabel: number): EditOutcome {
    this.endStrokeIfAny();
    return this.run(buildFloodFillStep(this, x, y, z, newLabel));
  }

  splitMask(id: number, polyline: ReadonlyArray<readonly [number, number]>, z = 0): EditOutcome {
    this.endStrokeIfAny();
    return this.run(buildSplitStep(this, id, polyline, z));
  }

  clearAll(): EditOutcome {
    this.endStrokeIfAny();
    return this.run(buildClearAllStep(this));
  }

  interpolateZ(id: number): EditOutcome {
    this.endStrokeIfAny();
    return this.run(buildInterpolateZStep(this, id));
  }

  replaceFromModel(modelLabels: Uint8Array | Uint16Array | Uint32Array | Int32Array, opts: ReplaceOptions): EditOutcome {
    this.endStrokeIfAny();
    return this.run(buildReplaceStep(this, modelLabels, opts));
  }

  // ---- brush strokes -------------------------------------------------------------------------

  /**
   * Starts a brush (label > 0) or eraser (label 0) stroke on plane z. Painting id N+1 creates a new
   * hand-drawn mask. The whole stroke becomes one undo step at endStroke.
   */
  beginStroke(opts: BrushOptions): void {
    this.endStrokeIfAny();
    const { label, z } = opts;
    if (!Number.isInteger(label) || label < 0 || label > this.count + 1) throw new RangeError(`brush label ${label} must be 0..${this.count + 1}`);
    if (!Number.isInteger(z) || z < 0 || z >= this.nz) throw new RangeError(`brush plane ${z} outside 0..${this.nz - 1}`);
    const sizePx = opts.sizePx ?? 3;
    if (!Number.isInteger(sizePx) || sizePx < 1 || sizePx > 1024) throw new RangeError(`brush size ${sizePx} must be an integer 1..1024`);
    this.ensureCapacity(label);
    this.strokeState = {
      opts: { ...opts, sizePx },
      footprint: brushFootprint(sizePx, opts.footprint ?? 'square'),
      atoms: [],
      last: null,
      startCount: this.count,
      touched: new Set<number>(),
    };
  }

  get strokeActive(): boolean {
    return this.strokeState !== null;
  }

  /** Adds mouse positions to the stroke; the gap from the previous one is filled with a line. */
  extendStroke(points: ReadonlyArray<readonly [number, number]>): Box | null {
    const s = this.strokeState;
    if (!s) throw new Error('extendStroke without beginStroke');
    const { label, z } = s.opts;
    const preserve = s.opts.preserveLabels ?? false;
    const target = s.opts.selectedLabel ?? label;
    const lab = this._labels;
    const nx = this.nx;
    const ny = this.ny;
    const base = z * ny * nx;
    const offsets: number[] = [];
    const before: number[] = [];
    const fp = s.footprint;
    const stamp = (cx: number, cy: number): void => {
      for (let k = 0; k < fp.length; k += 2) {
        const y = cy + fp[k];
        const x = cx + fp[k + 1];
        if (y < 0 || y >= ny || x < 0 || x >= nx) continue;
        const o = y * nx + x;
        const v = lab[base + o];
        if (v === label) continue;
        // napari's preserve_labels: paint only onto background (or the selected label).
        if (preserve && v !== 0 && v !== target) continue;
        lab[base + o] = label;
        offsets.push(o);
        before.push(v);
      }
    };
    for (const [px, py] of points) {
      if (!Number.isFinite(px) || !Number.isFinite(py)) throw new RangeError('brush point is not a finite number');
      const x = Math.round(px);
      const y = Math.round(py);
      if (s.last) {
        // Bresenham between successive mouse positions; the first point was stamped already.
        const [lx, ly] = s.last;
        forEachLinePixel(lx, ly, x, y, (qx, qy) => {
          if (qx !== lx || qy !== ly) stamp(qx, qy);
        });
      }
      else stamp(x, y);
      s.last = [x, y];
    }
    if (offsets.length === 0) return null;
    const atom = makeUniformAtom(z, nx, Uint32Array.from(offsets), Uint32Array.from(before), label);
    s.atoms.push(atom);
    // Areas, boxes and outlines follow the live pixels during the stroke.
    const touched = new Map<number, Set<number>>();
    const set = new Set<number>();
    touched.set(z, set);
    for (let i = 0; i < before.length; i++) {
      this.areas[before[i]]--;
      set.add(before[i]);
    }
    this.areas[label] += offsets.length;
    set.add(label);
    set.delete(0);
    if (label !== 0) this.growBox(label, z, atom.y0, atom.y1, atom.x0, atom.x1);
    for (const id of set) s.touched.add(id);
    if (this._outlines) {
      // Live outlines are local (cheap); endStroke redoes every mask met here exactly.
      const g = { y0: Math.max(0, atom.y0 - 1), y1: Math.min(ny, atom.y1 + 1), x0: Math.max(0, atom.x0 - 1), x1: Math.min(nx, atom.x1 + 1) };
      localOutlines(this._labels, this._outlines, base, ny, nx, g, s.touched);
    }
    const box: Box = { z0: z, z1: z + 1, y0: atom.y0, y1: atom.y1, x0: atom.x0, x1: atom.x1 };
    this.emit({ boxes: [box], idsRenumbered: false, metaChanged: false, count: this.count, source: 'stroke' }, null, 'stroke');
    return box;
  }

  /**
   * Ends the stroke and records it as one undo step. Ids whose pixels were all painted over are
   * removed (ids above shift down) in the same step, so ids stay contiguous.
   */
  endStroke(): EditOutcome {
    const s = this.strokeState;
    if (!s) return { ok: false, reason: 'no stroke in progress' };
    this.strokeState = null;
    if (s.atoms.length === 0) return { ok: false, reason: 'the stroke changed no pixel' };
    const { label, z } = s.opts;
    s.touched.delete(0);
    const outlineBoxes = this.refreshOutlines(s.atoms, new Map([[z, s.touched]]));
    if (outlineBoxes.length) this.emit({ boxes: outlineBoxes, idsRenumbered: false, metaChanged: false, count: this.count, source: 'stroke' }, null, 'stroke');
    const meta: MetaSplice[] = [];
    if (label === s.startCount + 1 && this.areas[label] > 0) {
      meta.push({ at: s.startCount, removed: [], inserted: [metaRow(true, Int32Array.of(z), label)] });
    } else if (label > 0 && label <= s.startCount && !this.rows[label - 1].ismanual) {
      // A hand-corrected mask is a manual mask: a model re-run keeps it (see replaceFromModel).
      const r = this.rows[label - 1];
      meta.push({ at: label - 1, removed: [r], inserted: [metaRow(true, r.zdraw, r.colorIndex)] });
    }
    const gone: number[] = [];
    for (let id = 1; id <= s.startCount; id++) if (this.areas[id] === 0 && id !== label) gone.push(id);
    const removeRows = removalSplices(this, gone, meta);
    const step: EditStep = {
      name: label === 0 ? 'erase' : 'brush',
      remapBefore: null,
      atoms: s.atoms,
      remapAfter: gone.length ? { kind: 'remove', ids: Uint32Array.from(gone) } : null,
      meta: [...meta, ...removeRows],
    };
    if (step.remapAfter || step.meta.length) this.applyStep({ ...step, atoms: [] }, true, 'stroke');
    this.undoStack.push(step);
    for (const l of this.stepListeners) l(step, 'edit');
    return { ok: true, step };
  }

  private endStrokeIfAny(): void {
    if (this.strokeState) this.endStroke();
  }
}

function contains(a: Box, b: Box): boolean {
  return a.z0 <= b.z0 && a.z1 >= b.z1 && a.y0 <= b.y0 && a.y1 >= b.y1 && a.x0 <= b.x0 && a.x1 >= b.x1;
}

const EMPTY_BOX = Int32Array.of(0x7fffffff, -1, 0x7fffffff, -1, 0x7fffffff, -1);

export interface BrushOptions {
  /** Label to paint; 0 erases; N+1 starts a new mask. */
  label: number;
  z: number;
  /** Brush width in pixels (Cellpose offers 1/3/5/7/9; default 3). */
  sizePx?: number;
  footprint?: 'square' | 'round';
  /** Paint only onto background or `selectedLabel` (napari's preserve_labels). */
  preserveLabels?: boolean;
  /** The label other than background that a preserving brush may overwrite (default `label`). */
  selectedLabel?: number;
}

interface StrokeSession {
  opts: BrushOptions & { sizePx: number };
  footprint: Int32Array;
  atoms: PixelAtom[];
  last: [number, number] | null;
  startCount: number;
  /** Ids whose outlines must be redone exactly at the end of the stroke. */
  touched: Set<number>;
}

/** (dy, dx) pairs of a brush: a square s x s (Cellpose stamps squares) or a disc of diameter s. */
export function brushFootprint(sizePx: number, kind: 'square' | 'round'): Int32Array {
  const lo = -Math.floor(sizePx / 2);
  const hi = lo + sizePx - 1;
  const c = (lo + hi) / 2;
  const r2 = (sizePx / 2) * (sizePx / 2);
  const out: number[] = [];
  for (let dy = lo; dy <= hi; dy++) {
    for (let dx = lo; dx <= hi; dx++) {
      if (kind === 'round' && (dy - c) * (dy - c) + (dx - c) * (dx - c) > r2) continue;
      out.push(dy, dx);
    }
  }
  return Int32Array.from(out);
}

function makeUniformAtom(z: number, nx: number, offsets: Uint32Array, before: Uint32Array, label: number): PixelAtom {
  let y0 = Infinity;
  let y1 = -Infinity;
  let x0 = Infinity;
  let x1 = -Infinity;
  for (let i = 0; i < offsets.length; i++) {
    const y = (offsets[i] / nx) | 0;
    const x = offsets[i] - y * nx;
    if (y < y0) y0 = y;
    if (y + 1 > y1) y1 = y + 1;
    if (x < x0) x0 = x;
    if (x + 1 > x1) x1 = x + 1;
  }
  return { z, y0, y1, x0, x1, offsets, before, after: label };
}

function collectTouched(a: PixelAtom, touched: Map<number, Set<number>>): void {
  let set = touched.get(a.z);
  if (!set) {
    set = new Set<number>();
    touched.set(a.z, set);
  }
  for (let i = 0; i < a.before.length; i++) set.add(a.before[i]);
  if (typeof a.after === 'number') set.add(a.after);
  else for (let i = 0; i < a.after.length; i++) set.add(a.after[i]);
  set.delete(0);
}
