// Every editing operation on a real DSB2018 label image: the edit does what Cellpose (or napari,
// for the brush) does, ids stay contiguous, metadata is bookkept, the incremental outline image
// equals a full recomputation, and undo/redo restore the exact bytes.
import { describe, expect, it } from 'vitest';
import { LabelDocument, type ChangeEvent } from '../../../src/core/editing/label-document.ts';
import type { Box } from '../../../src/core/editing/box.ts';
import { fillPolygon } from '../../../src/core/editing/raster.ts';
import { DSB_27, checkInvariants, circle, countMismatches, expectSameState, loadDsbMask, snapshot } from './helpers.ts';

function freshDoc(): { doc: LabelDocument; original: Uint16Array } {
  const m = loadDsbMask(DSB_27);
  return { doc: new LabelDocument({ labels: m.labels, shape: m.shape }), original: m.labels };
}

function undoRedoRoundTrip(doc: LabelDocument, before: ReturnType<typeof snapshot>): void {
  const after = snapshot(doc);
  expect(doc.undo()).toBe(true);
  expectSameState(snapshot(doc), before);
  checkInvariants(doc);
  expect(doc.redo()).toBe(true);
  expectSameState(snapshot(doc), after);
  checkInvariants(doc);
}

describe('LabelDocument on a 3-D label volume', () => {
  it('deletes and merges whole masks whose first voxel (raster order) is not at their smallest y', () => {
    // mask 1 starts at z 0 in row 4 and reaches rows 1-2 only in later planes; its box once missed
    // those rows (findObjects took y from the first and last voxels), so deleting it left voxels
    const [nz, ny, nx] = [4, 6, 6];
    const labels = new Uint16Array(nz * ny * nx);
    const at = (z: number, y: number, x: number): number => (z * ny + y) * nx + x;
    labels[at(0, 4, 2)] = 1;
    for (let z = 1; z < 4; z++) for (let y = 1; y < 3; y++) labels[at(z, y, 2)] = 1;
    labels[at(0, 0, 5)] = 2;
    labels[at(3, 5, 5)] = 2;
    const doc = new LabelDocument({ labels, shape: [nz, ny, nx] });
    expect(doc.boxOf(1)).toEqual([0, 4, 1, 5, 2, 3]);
    expect(doc.boxOf(2)).toEqual([0, 4, 0, 6, 5, 6]);
    expect(doc.mergeMasks(2, 1).ok).toBe(true);
    expect(doc.labels.filter((v) => v === 2).length).toBe(0);
    expect(doc.labels.filter((v) => v === 1).length).toBe(9);
    expect(doc.deleteMask(1).ok).toBe(true);
    expect(doc.labels.every((v) => v === 0)).toBe(true);
  });
});

describe('LabelDocument on a real DSB2018 mask (256 x 256, 27 nuclei)', () => {
  it('loads with contiguous ids, areas and an outline image equal to masks_to_outlines', () => {
    const { doc, original } = freshDoc();
    let max = 0;
    for (const v of original) max = Math.max(max, v);
    expect(doc.count).toBe(max);
    expect(doc.renumberedOnLoad).toBe(false);
    checkInvariants(doc);
    const hit = doc.maskAt(55, 190);
    expect(hit?.id).toBe(original[190 * 256 + 55]);
    expect(hit?.areaPx).toBe(original.filter((v) => v === hit?.id).length);
    expect(hit?.ismanual).toBe(false);
  });

  it('renumbers gaps on load, keeping the order of ids', () => {
    const labels = new Uint16Array([0, 5, 5, 9, 0, 2]);
    const doc = new LabelDocument({ labels, shape: [2, 3] });
    expect(doc.renumberedOnLoad).toBe(true);
    expect(Array.from(doc.labels)).toEqual([0, 2, 2, 3, 0, 1]);
  });

  it('rejects bad input with a clear error', () => {
    expect(() => new LabelDocument({ labels: new Uint16Array(5), shape: [2, 3] })).toThrow(/length 5 does not match/);
    expect(() => new LabelDocument({ labels: new Int32Array([0, -1]), shape: [1, 2] })).toThrow(/negative/);
    expect(() => new LabelDocument({ labels: new Uint16Array([1, 2]), shape: [1, 2], ismanual: [true] })).toThrow(/ismanual: 1 entries for 2 masks/);
  });

  it('trace: fills the outline, existing masks win, new id N+1 is manual', () => {
    const { doc, original } = freshDoc();
    const before = snapshot(doc);
    // A circle over mask 3 (x 141..164, y 164..184) and background around it.
    const pts = circle(150, 160, 14);
    const res = doc.addMaskFromPolygon(pts);
    expect(res.ok).toBe(true);
    expect(doc.count).toBe(28);
    expect(doc.metaOf(28).ismanual).toBe(true);
    expect(Array.from(doc.metaOf(28).zdraw ?? [])).toEqual([0]);
    const region = fillPolygon(Int32Array.from(pts, (p) => p[0]), Int32Array.from(pts, (p) => p[1]), 256, 256);
    if (!region) throw new Error('no region');
    let expected = 0;
    const w = region.x1 - region.x0;
    const bad = countMismatches(doc.labels, (i) => {
      const y = Math.floor(i / 256);
      const x = i % 256;
      const inside = y >= region.y0 && y < region.y1 && x >= region.x0 && x < region.x1 && region.mask[(y - region.y0) * w + x - region.x0] === 1;
      if (original[i] !== 0) return original[i];
      if (inside) expected++;
      return inside ? 28 : 0;
    });
    expect(bad).toBe(0);
    expect(doc.areaOf(28)).toBe(expected);
    expect(expected).toBeGreaterThan(300);
    checkInvariants(doc);
    undoRedoRoundTrip(doc, before);
  });

  it('trace: rejects 8 vertices and outlines left with < 10 free pixels', () => {
    const { doc } = freshDoc();
    const r1 = doc.addMaskFromPolygon(circle(100, 100, 10, 8));
    expect(r1.ok).toBe(false);
    if (!r1.ok) expect(r1.reason).toMatch(/too small/);
    // Entirely inside mask 19 (x 165..190, y 18..41).
    const r2 = doc.addMaskFromPolygon(circle(177, 29, 3, 12));
    expect(r2.ok).toBe(false);
    if (!r2.ok) expect(r2.reason).toMatch(/< 10 pixels/);
    expect(doc.count).toBe(27);
    expect(doc.undoStack.canUndo).toBe(false);
  });

  it('multi-stroke trace makes one mask from the union of strokes', () => {
    const { doc } = freshDoc();
    const before = snapshot(doc);
    const res = doc.addMaskFromStrokes([
      { z: 0, points: circle(110, 100, 8) },
      { z: 0, points: circle(122, 100, 8) },
    ]);
    expect(res.ok).toBe(true);
    expect(doc.count).toBe(28);
    const hit = doc.maskAt(116, 100);
    expect(hit?.id).toBe(28);
    expect(hit?.bbox.x0).toBe(102);
    expect(hit?.bbox.x1).toBe(131);
    checkInvariants(doc);
    undoRedoRoundTrip(doc, before);
  });

  it('delete: clears the mask, shifts ids above it down, drops its metadata row; undo is exact', () => {
    const m = loadDsbMask(DSB_27);
    const ismanual = Array.from({ length: 27 }, (_, k) => k % 3 === 0);
    const doc = new LabelDocument({ labels: m.labels, shape: m.shape, ismanual });
    const before = snapshot(doc);
    const events: ChangeEvent[] = [];
    doc.onChange((e) => events.push(e));
    expect(doc.deleteMask(5).ok).toBe(true);
    expect(doc.count).toBe(26);
    expect(countMismatches(doc.labels, (i) => (m.labels[i] === 5 ? 0 : m.labels[i] > 5 ? m.labels[i] - 1 : m.labels[i]))).toBe(0);
    expect(Array.from(doc.ismanualArray())).toEqual(ismanual.filter((_, k) => k !== 4).map(Number));
    expect(events).toHaveLength(1);
    expect(events[0].idsRenumbered).toBe(true);
    // The dirty box is mask 5's box only (y 234..248, x 72..92), not the image.
    expect(events[0].boxes).toEqual([{ z0: 0, z1: 1, y0: 234, y1: 248, x0: 72, x1: 92 }]);
    checkInvariants(doc);
    undoRedoRoundTrip(doc, before);
  });

  it('region select lists the masks touching a rectangle', () => {
    const { doc, original } = freshDoc();
    const expected = new Set<number>();
    for (let y = 200; y < 240; y++) for (let x = 100; x < 160; x++) if (original[y * 256 + x]) expected.add(original[y * 256 + x]);
    expect(doc.masksInRect(0, 200, 240, 100, 160)).toEqual([...expected].sort((a, b) => a - b));
    expect(expected.size).toBeGreaterThan(3);
    expect(doc.masksInRect(0, -50, -10, 0, 10)).toEqual([]);
  });

  it('bulk delete removes several masks in one step', () => {
    const { doc, original } = freshDoc();
    const before = snapshot(doc);
    expect(doc.deleteMasks([20, 3, 10]).ok).toBe(true);
    expect(doc.count).toBe(24);
    const removed = new Set([3, 10, 20]);
    const bad = countMismatches(doc.labels, (i) => {
      const v = original[i];
      return removed.has(v) ? 0 : v - [3, 10, 20].filter((r) => r < v).length;
    });
    expect(bad).toBe(0);
    checkInvariants(doc);
    expect(doc.undoStack.undoDepth).toBe(1);
    undoRedoRoundTrip(doc, before);
  });

  it('merge: the other mask takes the kept id, then is removed and ids shift', () => {
    const { doc, original } = freshDoc();
    const before = snapshot(doc);
    // 16 and 26 are neighbours (x 124..156, y 205..232).
    expect(doc.mergeMasks(26, 16).ok).toBe(true);
    expect(doc.count).toBe(26);
    const bad = countMismatches(doc.labels, (i) => {
      const w = original[i] === 16 ? 26 : original[i];
      return w > 16 ? w - 1 : w;
    });
    expect(bad).toBe(0);
    expect(doc.areaOf(25)).toBe(original.filter((v) => v === 16 || v === 26).length);
    checkInvariants(doc);
    undoRedoRoundTrip(doc, before);
    expect(doc.mergeMasks(3, 3).ok).toBe(false);
  });

  it('brush: one stroke is one undo step; preserve-labels paints only background', () => {
    const { doc, original } = freshDoc();
    const before = snapshot(doc);
    const boxes: ChangeEvent[] = [];
    doc.onChange((e) => boxes.push(e));
    doc.beginStroke({ label: 28, z: 0, sizePx: 5, preserveLabels: true });
    // Across mask 3 (x 141..164 at y ~174).
    doc.extendStroke([[130, 174], [150, 174]]);
    doc.extendStroke([[175, 174]]);
    const res = doc.endStroke();
    expect(res.ok).toBe(true);
    expect(doc.count).toBe(28);
    expect(doc.metaOf(28).ismanual).toBe(true);
    const bad = countMismatches(doc.labels, (i) => {
      const y = Math.floor(i / 256);
      const x = i % 256;
      const inStroke = y >= 172 && y <= 176 && x >= 128 && x <= 177;
      return original[i] !== 0 ? original[i] : inStroke ? 28 : 0;
    });
    expect(bad).toBe(0);
    // Live events cover only the stroke.
    for (const e of boxes) for (const b of e.boxes) expect(b.y0 >= 172 && b.y1 <= 177 && b.x0 >= 128 && b.x1 <= 178).toBe(true);
    expect(doc.undoStack.undoDepth).toBe(1);
    checkInvariants(doc);
    undoRedoRoundTrip(doc, before);
  });

  it('brush over a whole mask without preserve removes that id and renumbers, undoably', () => {
    const { doc, original } = freshDoc();
    const before = snapshot(doc);
    // Mask 6 is 21 px inside x 156..161, y 220..225; paint it with mask 17's id.
    doc.beginStroke({ label: 17, z: 0, sizePx: 7, footprint: 'square' });
    doc.extendStroke([[158, 222]]);
    expect(doc.endStroke().ok).toBe(true);
    expect(doc.count).toBe(26);
    expect(doc.metaOf(16).ismanual).toBe(true); // old 17, hand-corrected, now id 16
    expect(countMismatches(doc.labels, (i) => (original[i] === 6 ? 16 : doc.labels[i]))).toBe(0);
    checkInvariants(doc);
    undoRedoRoundTrip(doc, before);
  });

  it('eraser with preserve-labels erases only the selected mask', () => {
    const { doc, original } = freshDoc();
    const before = snapshot(doc);
    doc.beginStroke({ label: 0, z: 0, sizePx: 9, footprint: 'round', preserveLabels: true, selectedLabel: 16 });
    doc.extendStroke([[130, 213], [150, 213]]);
    expect(doc.endStroke().ok).toBe(true);
    let erased = 0;
    const bad = countMismatches(doc.labels, (i) => {
      if (original[i] !== 16) return original[i];
      if (doc.labels[i] === 0) erased++;
      return doc.labels[i];
    });
    expect(bad).toBe(0);
    expect(erased).toBeGreaterThan(50);
    checkInvariants(doc);
    undoRedoRoundTrip(doc, before);
  });

  it('flood fill with 0 removes a mask (4-connected region) and renumbers', () => {
    const { doc, original } = freshDoc();
    const before = snapshot(doc);
    expect(doc.floodFill(55, 190, 0, 0).ok).toBe(true);
    expect(doc.count).toBe(26);
    expect(countMismatches(doc.labels, (i) => (original[i] === 1 ? 0 : original[i] > 1 ? original[i] - 1 : 0))).toBe(0);
    checkInvariants(doc);
    undoRedoRoundTrip(doc, before);
  });

  it('flood fill of a background pocket with N+1 makes a new manual mask', () => {
    const labels = new Uint16Array(12 * 12);
    for (let y = 2; y < 9; y++) for (let x = 2; x < 9; x++) if (y === 2 || y === 8 || x === 2 || x === 8) labels[y * 12 + x] = 1;
    const doc = new LabelDocument({ labels, shape: [12, 12] });
    expect(doc.floodFill(5, 5, 0, 2).ok).toBe(true);
    expect(doc.areaOf(2)).toBe(25);
    expect(doc.metaOf(2).ismanual).toBe(true);
    // The ring's outline no longer has inner pixels: its hole is filled by another mask, which
    // counts as background for the ring, and that background is not connected to the outside.
    checkInvariants(doc);
  });

  it('change events also cover outline changes far from the edit (a wall opened onto a hole)', () => {
    // A 3-px-thick square ring (mask 1) around a hole: the hole's border is not outline.
    const labels = new Uint16Array(40 * 40);
    for (let y = 5; y < 35; y++) for (let x = 5; x < 35; x++) if (y < 8 || y >= 32 || x < 8 || x >= 32) labels[y * 40 + x] = 1;
    const doc = new LabelDocument({ labels, shape: [40, 40] });
    expect(doc.outlineMask?.[20 * 40 + 32]).toBe(0);
    const events: ChangeEvent[] = [];
    doc.onChange((e) => events.push(e));
    // Erase a gap through the left wall: the hole joins the outside.
    doc.beginStroke({ label: 0, z: 0, sizePx: 3 });
    doc.extendStroke([[5, 20], [7, 20]]);
    doc.endStroke();
    expect(doc.outlineMask?.[20 * 40 + 32]).toBe(1);
    const covered = events.some((e) => e.boxes.some((b) => b.y0 <= 20 && b.y1 > 20 && b.x0 <= 32 && b.x1 > 32));
    expect(covered).toBe(true);
    checkInvariants(doc);
    events.length = 0;
    doc.undo();
    expect(doc.outlineMask?.[20 * 40 + 32]).toBe(0);
    expect(events[0].boxes.some((b) => b.y0 <= 20 && b.y1 > 20 && b.x0 <= 32 && b.x1 > 32)).toBe(true);
  });

  it('replay refuses a step that does not fit the document, before changing anything', () => {
    const { doc } = freshDoc();
    const before = snapshot(doc);
    const atom = { z: 0, y0: 0, y1: 1, x0: 0, x1: 1, offsets: Uint32Array.of(0), before: Uint32Array.of(0), after: 3 };
    expect(() => doc.replay({ name: 'x', remapBefore: null, atoms: [atom], remapAfter: { kind: 'remove', ids: Uint32Array.of(99) }, meta: [] })).toThrow(/1\.\.27/);
    expect(() => doc.replay({ name: 'x', remapBefore: null, atoms: [{ ...atom, offsets: Uint32Array.of(70000) }], remapAfter: null, meta: [] })).toThrow(/outside the plane/);
    expect(() => doc.replay({ name: 'x', remapBefore: null, atoms: [], remapAfter: null, meta: [{ at: 27, removed: [doc.metaOf(1)], inserted: [] }] })).toThrow(/metadata rows/);
    expectSameState(snapshot(doc), before);
  });

  it('undo history is also bounded in bytes', () => {
    const m = loadDsbMask(DSB_27);
    const doc = new LabelDocument({ labels: m.labels, shape: m.shape, undo: { maxBytes: 6000 } });
    for (let k = 0; k < 6; k++) doc.deleteMask(1);
    expect(doc.undoStack.bytes).toBeLessThanOrEqual(6000);
    expect(doc.undoStack.undoDepth).toBeLessThan(6);
    expect(doc.undoStack.undoDepth).toBeGreaterThan(0);
  });

  it('split: a cut across a mask gives two masks, the larger keeps the id', () => {
    const { doc, original } = freshDoc();
    const before = snapshot(doc);
    // Mask 7: x 228..250, y 158..185; cut horizontally at y 168.
    const area7 = doc.areaOf(7);
    const res = doc.splitMask(7, [[220, 168], [255, 168]]);
    expect(res.ok).toBe(true);
    expect(doc.count).toBe(28);
    let cut = 0;
    const bad = countMismatches(doc.labels, (i) => {
      if (original[i] !== 7) return doc.labels[i];
      const y = Math.floor(i / 256);
      if (y === 168) cut++;
      return y === 168 ? 0 : y > 168 ? 7 : 28;
    });
    expect(bad).toBe(0);
    expect(doc.areaOf(7) + doc.areaOf(28) + cut).toBe(area7);
    expect(doc.areaOf(7)).toBeGreaterThan(doc.areaOf(28));
    expect(doc.metaOf(7).ismanual && doc.metaOf(28).ismanual).toBe(true);
    checkInvariants(doc);
    undoRedoRoundTrip(doc, before);
    // A line that misses the mask does not split it.
    expect(doc.splitMask(7, [[0, 0], [10, 0]]).ok).toBe(false);
  });

  it('clear all is one undoable step', () => {
    const { doc } = freshDoc();
    const before = snapshot(doc);
    expect(doc.clearAll().ok).toBe(true);
    expect(doc.count).toBe(0);
    expect(doc.labels.every((v) => v === 0)).toBe(true);
    checkInvariants(doc);
    undoRedoRoundTrip(doc, before);
  });

  it('replaceFromModel keeps hand-drawn masks and fills model masks around them', () => {
    const { doc, original } = freshDoc();
    doc.clearAll();
    expect(doc.addMaskFromPolygon(circle(150, 175, 12)).ok).toBe(true); // over where mask 3 was
    expect(doc.addMaskFromPolygon(circle(60, 60, 9)).ok).toBe(true); // over background only
    const manual = Uint16Array.from(doc.labels);
    const before = snapshot(doc);
    const res = doc.replaceFromModel(original, { keepManual: true });
    expect(res.ok).toBe(true);
    // Manual masks first (ids 1, 2) and untouched; model masks never overlap them.
    const bad = countMismatches(doc.labels, (i) => {
      if (manual[i] !== 0) return manual[i];
      if (original[i] !== 0) return doc.labels[i] > 2 ? doc.labels[i] : -1;
      return 0;
    });
    expect(bad).toBe(0);
    expect(doc.metaOf(1).ismanual && doc.metaOf(2).ismanual).toBe(true);
    expect(doc.metaOf(3).ismanual).toBe(false);
    // All 27 model masks survive except any clipped below 15 px.
    expect(doc.count).toBeGreaterThanOrEqual(2 + 26);
    checkInvariants(doc);
    undoRedoRoundTrip(doc, before);
    // Without keepManual the model output replaces everything (Cellpose's behaviour).
    doc.replaceFromModel(original, { keepManual: false });
    expect(Buffer.compare(Buffer.from(doc.labels.buffer), Buffer.from(original.buffer))).toBe(0);
    checkInvariants(doc);
  });

  it('a model re-run whose ids all move (a re-threshold) redoes the outlines in one plane pass, exactly', () => {
    const { doc, original } = freshDoc();
    // the same nuclei numbered in reverse: every id now names a mask elsewhere, so the boxes of
    // the touched ids (old and new mask) together cover more than the plane
    let max = 0;
    for (const v of original) if (v > max) max = v;
    const reversed = original.map((v) => (v === 0 ? 0 : max + 1 - v));
    const events: Box[] = [];
    doc.onChange((e) => events.push(...e.boxes));
    const before = snapshot(doc);
    expect(doc.replaceFromModel(reversed, { keepManual: false }).ok).toBe(true);
    expect(events.some((b) => b.y0 === 0 && b.x0 === 0 && b.y1 === 256 && b.x1 === 256)).toBe(true);
    checkInvariants(doc);
    // the boxes are tight again: deleting a mask repaints only its own box
    const id = doc.labels[150 * 256 + 150] || 1;
    events.length = 0;
    expect(doc.deleteMask(id).ok).toBe(true);
    const area = events.reduce((s, b) => s + (b.y1 - b.y0) * (b.x1 - b.x0), 0);
    expect(area).toBeLessThan(256 * 256 / 4);
    checkInvariants(doc);
    doc.undo();
    undoRedoRoundTrip(doc, before);
  });

  it('undo history is multi-level and bounded in steps', () => {
    const m = loadDsbMask(DSB_27);
    const doc = new LabelDocument({ labels: m.labels, shape: m.shape, undo: { maxSteps: 3 } });
    const s0 = snapshot(doc);
    for (let k = 0; k < 5; k++) doc.deleteMask(1);
    expect(doc.count).toBe(22);
    let undos = 0;
    while (doc.undo()) undos++;
    expect(undos).toBe(3);
    expect(doc.count).toBe(25);
    expect(snapshot(doc).labels).not.toEqual(s0.labels);
    // a new edit after undo drops the redo branch
    doc.deleteMask(2);
    expect(doc.redo()).toBe(false);
  });

  it('promotes labels to uint32 once ids reach 65535, as Cellpose saves them', () => {
    const labels = new Uint16Array(256 * 256);
    for (let i = 0; i < 65534; i++) labels[i] = i + 1;
    const doc = new LabelDocument({ labels, shape: [256, 256], trackOutlines: false });
    expect(doc.labels).toBeInstanceOf(Uint16Array);
    expect(doc.floodFill(254, 255, 0, 65535).ok).toBe(true);
    expect(doc.labels).toBeInstanceOf(Uint32Array);
    expect(doc.count).toBe(65535);
    expect(doc.labels[65535]).toBe(65535);
    expect(doc.undo()).toBe(true);
    expect(doc.count).toBe(65534);
    expect(doc.labels[65535]).toBe(0);
  });
});
