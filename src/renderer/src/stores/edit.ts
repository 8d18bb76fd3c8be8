// Hand correction of masks (A.6-A.9, A.16): one LabelDocument per open image (the pure editing
// model in core/editing), its undo history, autosave of the _seg.npy and the backend's crash
// journal. The labels store shows the document's own buffers (masks, outlines), so an edit repaints
// only its dirty boxes; a new segmentation result goes through replace-from-model, which keeps
// hand-drawn masks (Cellpose wipes them, issue #1350) and is itself one undoable step.
import { defineStore } from 'pinia';
import { computed, markRaw, ref, shallowRef, watch } from 'vue';
import type { JournalOpenResult, SegmentRequest, WireArray } from '../../../shared/contract.ts';
import type { Box } from '../../../core/editing/box.ts';
import type { EditStep } from '../../../core/editing/edit-step.ts';
import { LabelDocument, type ChangeEvent, type EditOutcome, type LabelDocumentInit } from '../../../core/editing/label-document.ts';
import { encodeStep } from '../../../core/editing/step-codec.ts';
import type { TraceStroke } from '../../../core/editing/trace-mask.ts';
import { masksToOutlines } from '../../../core/masks/masks-to-outlines.ts';
import type { LabelImage } from '../../../core/masks/labels.ts';
import { errorMessage, getApi } from '../api/index.ts';
import { labelView, numericView } from '../api/wire-array.ts';
import { quietTimer } from '../pure/quiet-timer.ts';
import { cellprobToU8 } from '../render/flow-views.ts';
import { coloursFromIndex } from '../editing/colour-table.ts';
import { DEFAULT_BRUSH_PX, stepBrushSize } from '../editing/brush-sizes.ts';
import type { EditTool } from '../editing/gesture.ts';
import { repaintBoxes } from '../editing/mask-surface.ts';
import { recordTiming } from '../editing/edit-timing.ts';
import { useImageStore } from './image.ts';
import { useLabelsStore, type MaskLayer } from './labels.ts';
import { useViewStore } from './view.ts';
import { useJobsStore } from './jobs.ts';
import { regionPlane } from '../editing/region-mask.ts';
import { checkFilterParams, segmentParamsFrom } from '../pure/segment-defaults.ts';
import { useSettingsStore } from './settings.ts';

/** Autosave waits this long after the last edit (a burst of clicks is one write). */
export const AUTOSAVE_DEBOUNCE_MS = 1000;
/** Name of core's replace-from-model step (a model run, or masks loaded from a file). */
const MODEL_STEP_NAME = 'masks from model';

/** The answers to "this image has unsaved edits" when another image is opened with autosave off. */
export type LeaveAnswer = 'save' | 'discard' | 'cancel';

export interface SelectedMask {
  id: number;
  areaPx: number;
  ismanual: boolean;
}

function labelsWire(labels: Uint16Array | Uint32Array, shape: number[]): WireArray {
  const copy = labels.slice();
  return { dtype: copy instanceof Uint32Array ? 'uint32' : 'uint16', shape, data: copy.buffer };
}

export const useEditStore = defineStore('edit', () => {
  const labels = useLabelsStore();
  const image = useImageStore();
  const view = useViewStore();
  const settings = useSettingsStore();

  let doc: LabelDocument | null = null;
  let docPath = '';
  let docGeneration = -1;
  let detach: (() => void) | null = null;
  let journalQueue: Promise<unknown> = Promise.resolve();
  let journalReady = false;
  const autosaveTimer = quietTimer(() => void save(), AUTOSAVE_DEBOUNCE_MS);
  let stepCounter = 0;

  /** Bumped on every document change (views that read the document subscribe to it). */
  const version = ref(0);
  const lastBoxes = shallowRef<readonly Box[]>([]);
  const count = ref(0);
  const canUndo = ref(false);
  const canRedo = ref(false);
  const undoDepth = ref(0);
  const tool = ref<EditTool>('select');
  const brushPx = ref(DEFAULT_BRUSH_PX);
  const autosave = ref(true);
  const keepManual = ref(true);
  /** Cellpose: on in 2D, off in 3D (one outline per plane, then Enter). */
  const singleStroke = ref(true);
  const pendingStrokes = shallowRef<TraceStroke[]>([]);
  const dirty = ref(false);
  /** Unsaved hand edits (what leaving an image autosaves). */
  const handEdits = ref(false);
  const saving = ref(false);
  const saves = ref(0);
  const message = ref<string | null>(null);
  /** Shown while asking whether to save before leaving an image (autosave off); null otherwise. */
  const leavePrompt = shallowRef<{ name: string } | null>(null);
  let answerLeavePrompt: ((a: LeaveAnswer) => void) | null = null;
  /** "Don't save" was chosen: the journal is dropped once the next image has opened. */
  let discardOnClose = false;
  /** Ortho crosshair (image pixels), moved by a left-click (A.5). */
  const crosshair = ref<{ x: number; y: number } | null>(null);

  const selectedInfo = computed<SelectedMask | null>(() => {
    void version.value;
    const id = labels.selected;
    if (!doc || id < 1 || id > doc.count) return null;
    return { id, areaPx: doc.areaOf(id), ismanual: doc.metaOf(id).ismanual };
  });

  function document(): LabelDocument | null {
    flushReplace();
    return doc;
  }

  function currentZ(): number {
    return doc ? Math.min(view.plane, doc.nz - 1) : 0;
  }

  function refreshCounters(): void {
    if (!doc) return;
    count.value = doc.count;
    labels.nMasks = doc.count;
    canUndo.value = doc.undoStack.canUndo;
    canRedo.value = doc.undoStack.canRedo;
    undoDepth.value = doc.undoStack.undoDepth;
  }

  /** Shows the document's buffers through the labels store (a full overlay redraw, once). */
  function publish(d: LabelDocument): void {
    const layer: MaskLayer = markRaw({
      masks: d.labels,
      outlines: d.outlineMask ?? masksToOutlines(d.labels, [d.nz, d.ny, d.nx]),
      colours: coloursFromIndex(d.colorIndexArray()),
      shape: [d.nz, d.ny, d.nx] as [number, number, number],
    });
    labels.layer = layer;
    refreshCounters();
  }

  function onDocChange(e: ChangeEvent): void {
    const d = doc;
    if (!d) return;
    const l = labels.layer;
    if (!l || l.masks !== d.labels) publish(d);
    else {
      if (e.metaChanged || e.idsRenumbered || e.count * 3 !== l.colours.length) l.colours = coloursFromIndex(d.colorIndexArray());
      const painted = repaintBoxes(l, currentZ(), labels.selected, e.boxes);
      // No registered surface (not mounted yet): a new layer object makes the canvas redraw all.
      if (!painted) labels.layer = markRaw({ ...l });
    }
    if (labels.selected > d.count) labels.selected = 0;
    lastBoxes.value = e.boxes;
    refreshCounters();
    version.value++;
  }

  function journal<T>(fn: () => Promise<T>): Promise<T | undefined> {
    const p = journalQueue.then(fn).catch((e: unknown) => {
      message.value = `journal: ${errorMessage(e)}`;
      return undefined;
    });
    journalQueue = p;
    return p;
  }

  // Model steps (a run, a re-threshold) reach the journal after a short quiet time: a slider drag
  // makes one per value, each holding most mask pixels, and encoding and sending them on the
  // spot delayed the next masks. A hand edit, a save or closing the image sends what waits first,
  // so the journal keeps the order of the steps. Cellpose itself never autosaves model runs (A.16).
  const MODEL_JOURNAL_DELAY_MS = 400;
  let journalPending: Array<{ path: string; source: 'edit' | 'undo' | 'redo'; step: EditStep }> = [];
  const journalTimer = quietTimer(appendPendingSteps, MODEL_JOURNAL_DELAY_MS);
  function flushJournal(): void {
    journalTimer.flush();
  }

  function appendPendingSteps(): void {
    const waiting = journalPending;
    journalPending = [];
    for (const { path, source, step } of waiting) {
      const bytes = encodeStep(step);
      void journal(() => getApi().journalAppend({ imagePath: path, source, step: { dtype: 'uint8', shape: [bytes.length], data: bytes.slice().buffer } }));
    }
  }

  function onStep(step: EditStep, source: 'edit' | 'undo' | 'redo'): void {
    stepCounter++;
    dirty.value = true;
    // Cellpose autosaves after hand edits only, never after a model run or loading masks (A.16).
    const byHand = step.name !== MODEL_STEP_NAME;
    // Change events may come before the step is on the undo stack: read the depths again now.
    refreshCounters();
    if (byHand) {
      handEdits.value = true;
      discardOnClose = false;
    }
    const path = docPath;
    if (path && journalReady) {
      journalPending.push({ path, source, step });
      if (byHand) flushJournal();
      else journalTimer.schedule();
    }
    if (byHand) scheduleAutosave();
  }

  function attach(d: LabelDocument): void {
    detach?.();
    doc = markRaw(d);
    const a = d.onChange(onDocChange);
    const b = d.onStep(onStep);
    detach = () => {
      a();
      b();
    };
    publish(d);
    version.value++;
  }

  /** The document, created empty (all background) for an image without masks. */
  function ensureDoc(): LabelDocument | null {
    flushReplace();
    if (doc) return doc;
    const m = image.meta;
    if (!m) return null;
    const n = m.nZ * m.height * m.width;
    attach(new LabelDocument({ labels: new Uint16Array(n), shape: m.nZ > 1 ? [m.nZ, m.height, m.width] : [m.height, m.width] }));
    return doc;
  }

  function scheduleAutosave(): void {
    if (!autosave.value || !docPath) return;
    autosaveTimer.schedule();
  }

  /** Writes <stem>_seg.npy (GUI layout, ismanual/zdraw from the document). */
  async function save(): Promise<boolean> {
    flushReplace();
    const d = doc;
    const path = docPath;
    if (!d || !path) return false;
    autosaveTimer.cancel();
    const atStep = stepCounter;
    flushJournal();
    saving.value = true;
    try {
      const shape = d.nz === 1 ? [d.ny, d.nx] : [d.nz, d.ny, d.nx];
      await getApi().saveSeg({
        imagePath: path,
        masks: labelsWire(d.labels, shape),
        ismanual: Array.from(d.ismanualArray(), (v) => v !== 0),
        zdraw: d.zdrawList().map((z) => (z ? Array.from(z) : null)),
        flowsId: labels.flowsId,
        // the panel's settings, as Cellpose's GUI saves its widgets' values: thresholds, channels,
        // diameter and normalize_params (its training reads the normalization back)
        // (checked as Cellpose's get_normalize_params checks them at a save: check_filter_params)
        params: checkFilterParams(segmentParamsFrom(settings.values.segmentParams), d.ny, d.nx).params,
        layout: 'gui',
      });
      saves.value++;
      // Only when nothing changed during the write does the journal restart from the saved masks.
      if (atStep === stepCounter) {
        dirty.value = false;
        handEdits.value = false;
        if (journalReady) await journal(() => getApi().journalSaved({ imagePath: path }));
      }
      return true;
    } catch (e) {
      message.value = `save failed: ${errorMessage(e)}`;
      return false;
    } finally {
      saving.value = false;
    }
  }

  /**
   * Before another image replaces this one (image store's leave guard): with autosave on, closeDoc
   * saves on the way out; with it off, ask. Cancel keeps the image; a failed save keeps it too.
   */
  async function confirmLeave(): Promise<boolean> {
    if (!doc || !handEdits.value || !docPath || autosave.value) return true;
    if (answerLeavePrompt) return false; // already asking
    const name = image.meta?.name ?? docPath;
    const answer = await new Promise<LeaveAnswer>((resolve) => {
      answerLeavePrompt = resolve;
      leavePrompt.value = { name };
    });
    answerLeavePrompt = null;
    leavePrompt.value = null;
    if (answer === 'cancel') return false;
    if (answer === 'save') return save();
    discardOnClose = true;
    return true;
  }

  function answerLeave(a: LeaveAnswer): void {
    answerLeavePrompt?.(a);
  }

  /** Leaving an image: autosave pending edits, or drop them when the user said so. Edits that
   *  are neither (a prompt bypassed, e.g. the page closing) stay in the journal for recovery. */
  async function closeDoc(): Promise<void> {
    flushReplace();
    flushJournal();
    if (doc && handEdits.value && discardOnClose && docPath) {
      const path = docPath;
      await journal(() => getApi().journalDiscard({ imagePath: path }));
    } else if (doc && handEdits.value && autosave.value && docPath) await save();
    else if (doc && handEdits.value && docPath) message.value = `unsaved edits of ${docPath} are kept in its journal`;
    discardOnClose = false;
    autosaveTimer.cancel();
    detach?.();
    detach = null;
    doc = null;
    docPath = '';
    journalReady = false;
    pendingStrokes.value = [];
    dirty.value = false;
    handEdits.value = false;
    count.value = 0;
    canUndo.value = canRedo.value = false;
    undoDepth.value = 0;
    version.value++;
  }

  function initFrom(r: { masks: WireArray; ismanual: boolean[]; zdraw?: Array<number[] | null> | null }, nZ: number): LabelDocumentInit {
    const lab = labelView(r.masks);
    const [ny, nx] = r.masks.shape.slice(-2);
    const n = r.ismanual.length;
    return {
      labels: lab,
      shape: nZ > 1 ? [nZ, ny, nx] : [ny, nx],
      ismanual: r.ismanual,
      zdraw: r.zdraw && r.zdraw.length === n ? r.zdraw : undefined,
    };
  }

  /** Opening an image: load its _seg.npy (if any), then open its journal, recovering a crash's edits. */
  async function openFor(): Promise<void> {
    const m = image.meta;
    const gen = image.generation;
    docGeneration = gen;
    singleStroke.value = !m || m.nZ === 1;
    if (!m || !m.path) return;
    const path = m.path;
    let base: LabelDocumentInit | null = null;
    if (m.segPath) {
      try {
        const r = await getApi().loadSeg({ path: m.segPath });
        if (image.generation !== gen) return;
        const lab = labelView(r.masks);
        if (lab.length !== m.nZ * m.height * m.width) throw new Error(`masks of shape [${r.masks.shape.join(', ')}] do not fit the image`);
        base = initFrom(r, m.nZ);
        const cp = r.cellprob ? numericView(r.cellprob) : null;
        labels.flows = markRaw({
          flowRgb: r.flowRgb ? new Uint8Array(r.flowRgb.data) : null,
          cellprobU8: cp instanceof Float32Array ? cellprobToU8(cp) : null,
          dZU8: null,
        });
        labels.flowsId = r.flowsId;
        labels.diameterPx = r.diameterPx;
        labels.modelName = r.modelName;
        if (r.chanChoose || r.normPercentile) labels.restoredSettings = { chanChoose: r.chanChoose, normPercentile: r.normPercentile };
      } catch (e) {
        message.value = `${m.segPath}: ${errorMessage(e)}`;
      }
    }
    let j: JournalOpenResult | undefined;
    try {
      const shape = [m.nZ, m.height, m.width];
      j = await getApi().journalOpen({
        imagePath: path,
        masks: base ? labelsWire(base.labels as Uint16Array | Uint32Array, shape) : null,
        shape,
        ismanual: base ? Array.from(base.ismanual ?? [], (v) => Boolean(v)) : [],
        zdraw: base?.zdraw ? base.zdraw.map((z) => (z ? Array.from(z) : null)) : undefined,
      });
    } catch (e) {
      message.value = `journal: ${errorMessage(e)}`;
    }
    if (image.generation !== gen) return;
    docPath = path;
    journalReady = j !== undefined;
    if (j?.recovered) {
      base = initFrom(j.recovered, m.nZ);
      message.value = `Recovered ${j.recoveredSteps} unsaved edit(s) of ${m.name} from the journal`;
    }
    if (base) attach(new LabelDocument(base));
    if (j?.recovered) {
      dirty.value = true;
      scheduleAutosave();
    }
  }

  watch(
    () => image.generation,
    async () => {
      await closeDoc();
      await openFor();
    },
  );
  image.setLeaveGuard(confirmLeave);

  /** Model masks into the document: one undoable replace step, then the document is shown. */
  function takeModelMasks(masks: LabelImage): void {
    const d = ensureDoc();
    if (!d) return;
    const t0 = performance.now();
    const r = d.replaceFromModel(masks, { keepManual: keepManual.value });
    if (!r.ok) message.value = r.reason;
    publish(d);
    recordTiming('replace', performance.now() - t0);
  }

  // A re-threshold while a slider moves is shown at once but becomes one undo step only when the
  // slider has rested REPLACE_QUIET_MS (or before anything reads or edits the document): taking
  // every value of a drag into the undo history cost ~40 ms of each step on 1024^2.
  const REPLACE_QUIET_MS = 300;
  let pendingReplace: LabelImage | null = null;
  const replaceTimer = quietTimer(takePendingReplace, REPLACE_QUIET_MS);
  function flushReplace(): void {
    replaceTimer.flush();
  }

  function takePendingReplace(): void {
    const m = pendingReplace;
    pendingReplace = null;
    // only masks still on screen (a newer run or another image replaced them otherwise)
    if (m && labels.layer?.masks === m && docGeneration === image.generation) takeModelMasks(m);
  }

  // A segmentation result (or recompute) for the open image: one undoable replace step.
  watch(
    () => labels.layer,
    (l) => {
      if (!l || !image.meta || docGeneration !== image.generation) return;
      if (doc && l.masks === doc.labels) return;
      if (l.live && doc) {
        pendingReplace = l.masks;
        replaceTimer.schedule();
        return;
      }
      pendingReplace = null;
      takeModelMasks(l.masks);
    },
  );

  function report(r: EditOutcome): boolean {
    if (!r.ok) message.value = r.reason;
    return r.ok;
  }

  function idAt(x: number, y: number): number {
    flushReplace();
    const d = doc;
    if (!d || x < 0 || y < 0 || x >= d.nx || y >= d.ny) return 0;
    return d.labels[(currentZ() * d.ny + y) * d.nx + x];
  }

  function select(x: number, y: number): number {
    labels.selected = idAt(x, y);
    return labels.selected;
  }

  function deleteAt(x: number, y: number): boolean {
    const id = idAt(x, y);
    if (!doc || id === 0) return false;
    const t0 = performance.now();
    const sel = labels.selected;
    const ok = report(doc.deleteMask(id));
    labels.selected = sel === id ? 0 : sel > id ? sel - 1 : sel;
    recordTiming('delete', performance.now() - t0);
    return ok;
  }

  function mergeAt(x: number, y: number): boolean {
    flushReplace();
    const keep = labels.selected;
    const other = idAt(x, y);
    if (!doc || keep === 0 || other === 0 || other === keep) {
      if (keep === 0) message.value = 'select a mask first (left-click), then Alt+click the mask to merge into it';
      return false;
    }
    const ok = report(doc.mergeMasks(keep, other));
    if (ok) labels.selected = other < keep ? keep - 1 : keep;
    return ok;
  }

  /** A closed outline: a new mask now (single stroke) or a pending stroke for Enter. */
  function traceClosed(points: ReadonlyArray<readonly [number, number]>): boolean {
    const d = ensureDoc();
    if (!d) return false;
    const z = currentZ();
    if (!singleStroke.value) {
      pendingStrokes.value = [...pendingStrokes.value, { z, points: points.map((p) => [p[0], p[1]] as const) }];
      return true;
    }
    const t0 = performance.now();
    const ok = report(d.addMaskFromPolygon(points, z));
    recordTiming('trace', performance.now() - t0);
    if (ok) labels.selected = d.count;
    return ok;
  }

  /** Enter: the pending strokes become one mask (planes between interpolated), else interpolate the selection in Z. */
  function finish(): boolean {
    flushReplace();
    const d = doc;
    if (!d) return false;
    if (pendingStrokes.value.length) {
      const strokes = pendingStrokes.value;
      pendingStrokes.value = [];
      const ok = report(d.addMaskFromStrokes(strokes));
      if (ok) labels.selected = d.count;
      return ok;
    }
    if (labels.selected > 0 && d.nz > 1) return report(d.interpolateZ(labels.selected));
    return false;
  }

  function beginPaint(x: number, y: number, erase: boolean): boolean {
    const d = ensureDoc();
    if (!d) return false;
    const sel = labels.selected;
    const label = erase ? 0 : sel > 0 && sel <= d.count ? sel : d.count + 1;
    markStart();
    d.beginStroke({ label, z: currentZ(), sizePx: brushPx.value, preserveLabels: true, selectedLabel: erase && sel > 0 ? sel : undefined });
    d.extendStroke([[x, y]]);
    return true;
  }

  function extendPaint(x: number, y: number): void {
    if (!doc?.strokeActive) return;
    const t0 = performance.now();
    doc.extendStroke([[x, y]]);
    recordTiming('stroke-move', performance.now() - t0);
  }

  let strokeT0 = 0;
  function markStart(): void {
    strokeT0 = performance.now();
  }

  function endPaint(): boolean {
    const d = doc;
    if (!d?.strokeActive) return false;
    const t0 = performance.now();
    const r = d.endStroke();
    recordTiming('stroke-end', performance.now() - t0);
    recordTiming('stroke', performance.now() - strokeT0);
    if (r.ok && r.step.name === 'brush' && labels.selected === 0) labels.selected = d.count;
    return r.ok;
  }

  function fillAt(x: number, y: number): boolean {
    const d = ensureDoc();
    if (!d) return false;
    const sel = labels.selected;
    const label = sel > 0 && sel <= d.count ? sel : d.count + 1;
    const ok = report(d.floodFill(x, y, currentZ(), label));
    if (ok && sel === 0) labels.selected = d.count;
    return ok;
  }

  function splitAlong(line: ReadonlyArray<readonly [number, number]>): boolean {
    flushReplace();
    const d = doc;
    if (!d || line.length < 2) return false;
    let id = labels.selected;
    if (id === 0) for (const [x, y] of line) if ((id = idAt(Math.round(x), Math.round(y))) !== 0) break;
    if (id === 0) {
      message.value = 'split: draw the line across a mask';
      return false;
    }
    return report(d.splitMask(id, line, currentZ()));
  }

  function undo(): boolean {
    flushReplace();
    const t0 = performance.now();
    if (pendingStrokes.value.length) {
      // Cellpose's Ctrl+Z first removes the last unfinished stroke (A.8).
      pendingStrokes.value = pendingStrokes.value.slice(0, -1);
      return true;
    }
    const ok = doc?.undo() ?? false;
    recordTiming('undo', performance.now() - t0);
    return ok;
  }

  function redo(): boolean {
    flushReplace();
    const t0 = performance.now();
    const ok = doc?.redo() ?? false;
    recordTiming('redo', performance.now() - t0);
    return ok;
  }

  function clearAll(): boolean {
    flushReplace();
    if (!doc || doc.count === 0) return false;
    labels.selected = 0;
    return report(doc.clearAll());
  }

  function setBrushStep(step: 1 | -1): void {
    brushPx.value = stepBrushSize(brushPx.value, step);
  }

  /** Load a label image (PNG/TIFF) as the masks of the open image: one undoable replace step. */
  async function loadMasksFile(path: string): Promise<boolean> {
    const m = image.meta;
    if (!m) return false;
    try {
      const r = await getApi().loadMasks({ path });
      const lab = labelView(r.masks);
      if (lab.length !== m.nZ * m.height * m.width) throw new Error(`masks of shape [${r.masks.shape.join(', ')}] do not fit the image (${m.nZ}x${m.height}x${m.width})`);
      const d = ensureDoc();
      if (!d) return false;
      const t0 = performance.now();
      const ok = report(d.replaceFromModel(lab, { keepManual: keepManual.value, minSizePx: 0 }));
      publish(d);
      recordTiming('replace', performance.now() - t0);
      return ok;
    } catch (e) {
      message.value = errorMessage(e);
      return false;
    }
  }

  /**
   * A model run limited to the traced region: every current mask is sent as keepMasks, so masks
   * outside the region survive, and the result then replaces the masks as any run does.
   */
  async function segmentInRegion(outline: ReadonlyArray<readonly [number, number]>): Promise<boolean> {
    const m = image.meta;
    if (!m) return false;
    const region = regionPlane(outline, m.height, m.width);
    if (!region) {
      message.value = 'the region is empty: trace it with the region tool (M, then right-click)';
      return false;
    }
    const d = doc;
    const extra: Pick<SegmentRequest, 'region' | 'keepMasks'> = { region: { dtype: 'uint8', shape: [m.height, m.width], data: region.buffer } };
    if (d && d.count > 0) extra.keepMasks = labelsWire(d.labels, d.nz === 1 ? [d.ny, d.nx] : [d.nz, d.ny, d.nx]);
    return useJobsStore().segment(segmentParamsFrom(settings.values.segmentParams), extra);
  }

  function loadSettings(): void {
    const a = settings.getBoolean('autosaveSeg');
    if (a !== undefined && a !== null) autosave.value = a;
    const k = settings.getBoolean('keepManualMasks');
    if (k !== undefined && k !== null) keepManual.value = k;
  }

  watch(
    () => settings.loaded,
    (ok) => {
      if (ok) loadSettings();
    },
    { immediate: true },
  );
  watch([autosave, keepManual], ([a, k]) => {
    if (settings.loaded) void settings.update({ autosaveSeg: a, keepManualMasks: k });
  });

  return {
    version,
    lastBoxes,
    count,
    canUndo,
    canRedo,
    undoDepth,
    tool,
    brushPx,
    autosave,
    keepManual,
    singleStroke,
    pendingStrokes,
    dirty,
    handEdits,
    saving,
    saves,
    message,
    leavePrompt,
    crosshair,
    selectedInfo,
    document,
    currentZ,
    idAt,
    select,
    deleteAt,
    mergeAt,
    traceClosed,
    finish,
    beginPaint,
    extendPaint,
    endPaint,
    fillAt,
    splitAlong,
    undo,
    redo,
    clearAll,
    setBrushStep,
    save,
    loadMasksFile,
    segmentInRegion,
    answerLeave,
  };
});
