// The editing tools' pure rules: Cellpose's trace closing (A.6), which press means what (A.7, A.18),
// the editing keys (no clash with the view keys), brush sizes, and the dirty-rectangle overlay patch
// against the full-plane composer on the real StarDist mask after real edits.
import { describe, expect, it } from 'vitest';
import { LabelDocument } from '../../../src/core/editing/label-document.ts';
import { unionOfBoxes } from '../../../src/core/editing/box.ts';
import { composeMaskOverlay } from '../../../src/renderer/src/render/mask-overlay.ts';
import { fillLayerRect, outlineLayerRect } from '../../../src/renderer/src/render/mask-layers.ts';
import { padRect } from '../../../src/renderer/src/editing/overlay-patch.ts';
import { layeredOverlay } from '../layered-overlay.ts';
import { coloursFromIndex } from '../../../src/renderer/src/editing/colour-table.ts';
import { TraceRecorder } from '../../../src/renderer/src/editing/trace-closer.ts';
import { pressIntent } from '../../../src/renderer/src/editing/gesture.ts';
import { EDIT_KEY_HELP, editKeyAction } from '../../../src/renderer/src/editing/edit-keys.ts';
import { keyAction } from '../../../src/renderer/src/keys.ts';
import { stepBrushSize } from '../../../src/renderer/src/editing/brush-sizes.ts';
import { orthoXZ, orthoYZ } from '../../../src/renderer/src/editing/ortho-planes.ts';
import { asUint16, pythonArray } from '../python-truth.ts';
import { sharedPath } from '../../helpers/shared-data.ts';
import { key } from '../key-event.ts';

const MASK2D = sharedPath('data/stardist-dsb2018-sample-2d/mask2d.tif');

describe('TraceRecorder (A.6 closing rule)', () => {
  it('closes only after going farther than max(6, 3*brush) and coming back within max(3, 1.8*brush), with >= 4 points', () => {
    const t = new TraceRecorder({ x: 100, y: 100, brushPx: 3 });
    // Near the start but never far: no close.
    expect(t.add(102, 100)).toBe('drawing');
    expect(t.add(101, 100)).toBe('drawing');
    // Far (> 9 px) then back within 5.4 px closes.
    expect(t.add(110, 100)).toBe('drawing');
    expect(t.add(110, 110)).toBe('drawing');
    expect(t.add(104, 103)).toBe('closed');
    expect(t.points).toEqual([[100, 100], [102, 100], [101, 100], [110, 100], [110, 110]]);
  });

  it('uses the brush size: with a 9 px brush, 15 px away is not yet far (needs > 27)', () => {
    const t = new TraceRecorder({ x: 0, y: 0, brushPx: 9 });
    for (const [x, y] of [[15, 0], [15, 15], [0, 15], [5, 5]] as const) expect(t.add(x, y)).toBe('drawing');
    for (const [x, y] of [[30, 0], [30, 30], [20, 25]] as const) expect(t.add(x, y)).toBe('drawing');
    expect(t.add(10, 5)).toBe('closed'); // 11.2 px < 16.2 px after having been 42 px away
  });

  it('records a vertex once per pixel and ignores non-finite positions', () => {
    const t = new TraceRecorder({ x: 5, y: 5, brushPx: 1 });
    t.add(6, 5);
    t.add(6, 5);
    t.add(Number.NaN, 5);
    expect(t.points.length).toBe(2);
  });
});

describe('pressIntent (Cellpose mouse rules)', () => {
  const b = (button: number, mods: Partial<{ shiftKey: boolean; ctrlKey: boolean; altKey: boolean; metaKey: boolean }> = {}) => ({
    button,
    shiftKey: false,
    ctrlKey: false,
    altKey: false,
    metaKey: false,
    ...mods,
  });
  it('right-click and Shift+left-click trace in every tool; Ctrl/Cmd deletes; Alt merges; plain click follows the tool', () => {
    for (const tool of ['select', 'brush', 'erase', 'fill', 'split'] as const) {
      expect(pressIntent(b(2), tool, false).kind).toBe('trace-toggle');
      expect(pressIntent(b(0, { shiftKey: true }), tool, false).kind).toBe('trace-toggle');
      expect(pressIntent(b(0, { ctrlKey: true }), tool, false).kind).toBe('delete');
      expect(pressIntent(b(0, { metaKey: true }), tool, false).kind).toBe('delete');
      expect(pressIntent(b(0, { altKey: true }), tool, false).kind).toBe('merge');
    }
    expect(pressIntent(b(0), 'select', false)).toEqual({ kind: 'select' });
    expect(pressIntent(b(0), 'brush', false)).toEqual({ kind: 'paint', erase: false });
    expect(pressIntent(b(0), 'erase', false)).toEqual({ kind: 'paint', erase: true });
    expect(pressIntent(b(2), 'region', false)).toEqual({ kind: 'region-toggle' });
    // While tracing, a left-click does nothing (Cellpose keeps the stroke going).
    expect(pressIntent(b(0), 'brush', true)).toEqual({ kind: 'none' });
    expect(pressIntent(b(1), 'select', false)).toEqual({ kind: 'none' });
  });
});

describe('editing keys', () => {
  it('maps Cellpose keys (Ctrl+Z/Y, Ctrl+0, Ctrl+S, , .) and Ctrl+Shift+Z', () => {
    expect(editKeyAction(key('z', { ctrlKey: true }), true)).toEqual({ type: 'undo' });
    expect(editKeyAction(key('Z', { ctrlKey: true, shiftKey: true }), true)).toEqual({ type: 'redo' });
    expect(editKeyAction(key('y', { metaKey: true }), true)).toEqual({ type: 'redo' });
    expect(editKeyAction(key('0', { ctrlKey: true }), true)).toEqual({ type: 'clear-all' });
    expect(editKeyAction(key('s', { ctrlKey: true }), true)).toEqual({ type: 'save' });
    expect(editKeyAction(key(','), true)).toEqual({ type: 'brush-size', step: -1 });
    expect(editKeyAction(key('.'), true)).toEqual({ type: 'brush-size', step: 1 });
    expect(editKeyAction(key('?', { shiftKey: true }), false)).toEqual({ type: 'help' });
    expect(editKeyAction(key('z', { ctrlKey: true }), false)).toBeNull();
  });

  it('no tool key is a view key of A.18, and every key has a help row', () => {
    for (const k of 'abcdefghijklmnopqrstuvwxyz') {
      const mine = editKeyAction(key(k), true);
      const theirs = keyAction(key(k), { hasImage: true, nZ: 5 });
      expect(mine !== null && theirs !== null, `key ${k} is claimed twice`).toBe(false);
      if (mine?.type === 'tool') expect(EDIT_KEY_HELP.some(([keys]) => keys === k.toUpperCase())).toBe(true);
    }
  });

  it('brush sizes step through 1/3/5/7/9 and stop at the ends', () => {
    expect(stepBrushSize(3, -1)).toBe(1);
    expect(stepBrushSize(1, -1)).toBe(1);
    expect(stepBrushSize(3, 1)).toBe(5);
    expect(stepBrushSize(9, 1)).toBe(9);
  });
});

describe('dirty-rectangle overlay patch on the real mask', () => {
  const img = pythonArray(`out = tifffile.imread(${JSON.stringify(MASK2D)})`);
  const [h, w] = img.shape;

  it('after a delete, a trace and a brush stroke, patching only the changed boxes equals a full recompose', () => {
    const doc = new LabelDocument({ labels: asUint16(img), shape: [h, w] });
    const shape: [number, number, number] = [1, h, w];
    const opts = { z: 0, masksOn: true, outlinesOn: true, selected: 3 };
    const full = (): Uint8ClampedArray => composeMaskOverlay(doc.labels, doc.outlineMask, coloursFromIndex(doc.colorIndexArray()), shape, opts);
    // The canvas keeps two layers (fills, outlines) and patches each inside the changed boxes.
    const outlineMask = (): Uint8Array => {
      const m = doc.outlineMask;
      if (!m) throw new Error('the document keeps outlines by default');
      return m;
    };
    const fills = new Uint8ClampedArray(h * w * 4);
    const lines = new Uint8ClampedArray(h * w * 4);
    const whole = { x0: 0, x1: w, y0: 0, y1: h };
    fillLayerRect(doc.labels, coloursFromIndex(doc.colorIndexArray()), shape, 0, opts.selected, whole, fills);
    outlineLayerRect(outlineMask(), shape, 0, whole, lines);
    const boxes: { x0: number; x1: number; y0: number; y1: number }[] = [];
    doc.onChange((e) => {
      for (const b of e.boxes) boxes.push(b);
    });
    let area = 0;
    let step = '';
    const apply = (): void => {
      for (const b of boxes) {
        const r = fillLayerRect(doc.labels, coloursFromIndex(doc.colorIndexArray()), shape, 0, opts.selected, padRect(b, 1), fills);
        outlineLayerRect(outlineMask(), shape, 0, r, lines);
        area += (r.x1 - r.x0) * (r.y1 - r.y0);
      }
      boxes.length = 0;
      const want = full();
      const patched = layeredOverlay(fills, lines, true, true);
      let firstDiff = -1;
      for (let i = 0; i < want.length && firstDiff < 0; i++) if (want[i] !== patched[i]) firstDiff = i;
      expect(firstDiff >= 0 ? `pixel ${(firstDiff >> 2) % w}, ${Math.floor((firstDiff >> 2) / w)} differs (step ${step})` : 'same').toBe('same');
    };
    step = 'delete';
    expect(doc.deleteMask(10).ok).toBe(true);
    apply();
    step = 'trace';
    expect(doc.addMaskFromPolygon([[150, 20], [190, 20], [190, 60], [150, 60], [150, 40], [150, 30], [160, 20], [170, 20], [180, 20]]).ok).toBe(true);
    apply();
    step = 'brush';
    doc.beginStroke({ label: 5, z: 0, sizePx: 3 });
    doc.extendStroke([[200, 200], [230, 215]]);
    expect(doc.endStroke().ok).toBe(true);
    apply();
    step = 'undo';
    expect(doc.undo()).toBe(true);
    apply();
    // The repaint touched a small part of the plane, never all of it.
    expect(area).toBeLessThan(h * w);
    expect(unionOfBoxes([])).toBeNull();
  });
});

describe('ortho cuts', () => {
  it('XZ / YZ of a 3-plane stack carry the image and count the mask pixels on the cut', () => {
    const img = pythonArray(`out = tifffile.imread(${JSON.stringify(MASK2D)})[:3, :4]`);
    const [ny, nx] = img.shape;
    const plane = asUint16(img);
    const nZ = 2;
    const pixels = new Uint16Array(nZ * ny * nx);
    pixels.set(plane, 0);
    pixels.set(plane, ny * nx);
    const masks = new Uint16Array(nZ * ny * nx);
    masks[ny * nx + 1 * nx + 2] = 1; // z=1, y=1, x=2
    const src = { pixels, nZ, height: ny, width: nx, nChannels: 1, channel: 0, levels: [0, 10] as const, masks, colours: Uint8Array.of(255, 0, 0) };
    expect(orthoXZ(src, 1).maskPx).toBe(1);
    expect(orthoXZ(src, 0).maskPx).toBe(0);
    expect(orthoYZ(src, 2).maskPx).toBe(1);
    const yz = orthoYZ(src, 0).rgba;
    expect(yz.length).toBe(ny * nZ * 4);
    expect(yz[3]).toBe(255);
  });
});
