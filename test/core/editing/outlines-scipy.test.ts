// The incrementally kept outline image after real edits, checked against an independent
// computation with scipy (ALGORITHMS.md 7.1: mask pixels 4-adjacent to background that is
// 4-connected to the outside of the mask's box; holes do not count).
import { describe, expect, it } from 'vitest';
import { LabelDocument } from '../../../src/core/editing/label-document.ts';
import { DSB_27, circle, loadDsbMask, python } from './helpers.ts';

const SCIPY_OUTLINES = `
import sys, numpy as np
from scipy import ndimage
raw = sys.stdin.buffer.read()
ny, nx = np.frombuffer(raw[:8], np.int32)
lab = np.frombuffer(raw[8:], np.uint16).reshape(ny, nx)
out = np.zeros_like(lab)
cross = ndimage.generate_binary_structure(2, 1)
for i, sl in enumerate(ndimage.find_objects(lab)):
    if sl is None: continue
    m = np.pad(lab[sl] == i + 1, 1)
    outer = ~ndimage.binary_fill_holes(m, structure=cross)
    edge = m & ndimage.binary_dilation(outer, structure=cross)
    sub = out[sl]
    sub[edge[1:-1, 1:-1]] = i + 1
sys.stdout.buffer.write(out.tobytes())
`;

describe('incremental outlines', () => {
  it('equal scipy outlines after a trace, a ring-closing brush stroke, a split and a delete', () => {
    const m = loadDsbMask(DSB_27);
    const doc = new LabelDocument({ labels: m.labels, shape: m.shape });
    doc.addMaskFromPolygon(circle(100, 100, 15, 30));
    // A ring around an unpainted hole: its inner pixels must not be outline.
    doc.beginStroke({ label: doc.count + 1, z: 0, sizePx: 3 });
    doc.extendStroke([[40, 120], [60, 120], [60, 140], [40, 140], [40, 120]]);
    doc.endStroke();
    doc.splitMask(7, [[220, 170], [255, 172]]);
    doc.deleteMask(2);
    const input = new Uint8Array(8 + doc.labels.byteLength);
    input.set(new Uint8Array(Int32Array.of(256, 256).buffer), 0);
    input.set(new Uint8Array(doc.labels.buffer, doc.labels.byteOffset, doc.labels.byteLength), 8);
    const out = python(SCIPY_OUTLINES, input);
    const expected = new Uint16Array(out.buffer, out.byteOffset, out.byteLength / 2);
    const got = doc.labelledOutlines() as Uint16Array;
    let diff = 0;
    for (let i = 0; i < expected.length; i++) if (expected[i] !== got[i]) diff++;
    expect(diff).toBe(0);
    // The ring (id 28 after delete of 2 shifted it down) has a hole whose border is not outline.
    const ring = doc.maskAt(40, 130);
    expect(ring).not.toBeNull();
    expect(got[130 * 256 + 41]).toBe(0);
    expect(got[130 * 256 + 39]).toBe(ring?.id);
  });
});
