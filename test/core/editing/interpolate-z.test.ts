// 3D hand drawing: outlines on two planes make one mask, the planes between are interpolated as
// Cellpose's interpZ/avg3d do. The expected planes come from an independent numpy port of that
// formula run on the drawn planes, including overlap removal and the < 5 free pixel rule.
import { describe, expect, it } from 'vitest';
import { LabelDocument } from '../../../src/core/editing/label-document.ts';
import { checkInvariants, circle, expectSameState, python, snapshot } from './helpers.ts';

const NUMPY_INTERP = `
import sys, numpy as np
raw = sys.stdin.buffer.read()
nz, ny, nx, nid, z0, z1 = np.frombuffer(raw[:24], np.int32)
vol = np.frombuffer(raw[24:], np.uint16).reshape(nz, ny, nx).copy()
zdraw = np.array([z0, z1])
new = vol == nid
ys, xs = np.nonzero(new[z0] | new[z1])
y0, y1, x0, x1 = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
def avg(C):
    T = np.zeros((C.shape[0] + 2, C.shape[1] + 2), np.float32)
    T[1:-1, 1:-1] = C
    a, b, c = 0.5, 1 / (1 + 2 ** 0.5), 1.0
    M = (b * T[:-2, :-2] + a * T[:-2, 1:-1] + b * T[:-2, 2:] + a * T[1:-1, :-2] + c * T[1:-1, 1:-1]
         + a * T[1:-1, 2:] + b * T[2:, :-2] + a * T[2:, 1:-1] + b * T[2:, 2:])
    return M / (4 * a + 4 * b + c)
lo = avg(new[z0, y0:y1, x0:x1].astype(np.float32))
hi = avg(new[z1, y0:y1, x0:x1].astype(np.float32))
out = vol.copy()
for z in range(z0 + 1, z1):
    t = (z - z0) / (z1 - z0)
    m = (lo * np.float32(1 - t) + hi * np.float32(t)) > 0.33
    free = m & (vol[z, y0:y1, x0:x1] == 0)
    if free.sum() < 5:
        continue
    out[z, y0:y1, x0:x1][free] = nid
sys.stdout.buffer.write(out.astype(np.uint16).tobytes())
`;

function stack(): { labels: Uint16Array; shape: [number, number, number] } {
  const nz = 9;
  const ny = 64;
  const nx = 64;
  const labels = new Uint16Array(nz * ny * nx);
  // An existing model mask on planes 3..4 that the interpolation must not overwrite.
  for (let z = 3; z < 5; z++) for (let y = 20; y < 34; y++) for (let x = 36; x < 50; x++) labels[(z * ny + y) * nx + x] = 1;
  // A mask filling plane 5 around the centre, leaving < 5 free pixels for the blob there.
  for (let y = 10; y < 55; y++) for (let x = 10; x < 58; x++) labels[(5 * ny + y) * nx + x] = 2;
  return { labels, shape: [nz, ny, nx] };
}

describe('3D drawing with z-interpolation (Cellpose interpZ)', () => {
  it('interpolates the undrawn planes like numpy interpZ, removes overlaps, skips planes with < 5 free pixels', () => {
    const { labels, shape } = stack();
    const doc = new LabelDocument({ labels, shape });
    const before = snapshot(doc);
    const res = doc.addMaskFromStrokes([
      { z: 1, points: circle(30, 30, 8, 24) },
      { z: 7, points: circle(34, 31, 14, 36) },
    ]);
    expect(res.ok).toBe(true);
    expect(doc.count).toBe(3);
    expect(Array.from(doc.metaOf(3).zdraw ?? [])).toEqual([1, 7]);
    const header = Int32Array.of(shape[0], shape[1], shape[2], 3, 1, 7);
    const drawnOnly = Uint16Array.from(doc.labels);
    // numpy sees only the drawn planes of the new mask.
    for (let z = 2; z < 7; z++) for (let i = 0; i < 64 * 64; i++) if (drawnOnly[z * 4096 + i] === 3) drawnOnly[z * 4096 + i] = 0;
    const input = new Uint8Array(24 + drawnOnly.byteLength);
    input.set(new Uint8Array(header.buffer), 0);
    input.set(new Uint8Array(drawnOnly.buffer), 24);
    const out = python(NUMPY_INTERP, input);
    const expected = new Uint16Array(out.buffer, out.byteOffset, out.byteLength / 2);
    let diff = 0;
    for (let i = 0; i < expected.length; i++) if (expected[i] !== doc.labels[i]) diff++;
    expect(diff).toBe(0);
    // Interpolated planes exist, grow from the small to the large outline, and avoid mask 1.
    const perPlane = Array.from({ length: 9 }, (_, z) => doc.labels.subarray(z * 4096, (z + 1) * 4096).filter((v) => v === 3).length);
    expect(perPlane[0]).toBe(0);
    expect(perPlane[8]).toBe(0);
    expect(perPlane[2]).toBeGreaterThan(perPlane[1]);
    expect(perPlane[6]).toBeGreaterThan(perPlane[4]);
    expect(perPlane[5]).toBe(0); // plane 5 is covered by mask 2: skipped
    expect(doc.areaOf(1)).toBe(2 * 14 * 14);
    checkInvariants(doc);
    const after = snapshot(doc);
    doc.undo();
    expectSameState(snapshot(doc), before);
    doc.redo();
    expectSameState(snapshot(doc), after);
  });

  it('interpolateZ re-fills undrawn planes of a drawn mask after they were erased', () => {
    const { labels, shape } = stack();
    const doc = new LabelDocument({ labels, shape });
    doc.addMaskFromStrokes([
      { z: 1, points: circle(30, 30, 8, 24) },
      { z: 7, points: circle(34, 31, 14, 36) },
    ]);
    const full = Uint16Array.from(doc.labels);
    // Erase plane 3 of mask 3 with a fill, then interpolate again.
    const p3 = doc.labels.subarray(3 * 4096, 4 * 4096);
    const i = p3.indexOf(3);
    expect(doc.floodFill(i % 64, Math.floor(i / 64), 3, 0).ok).toBe(true);
    expect(doc.interpolateZ(3).ok).toBe(true);
    let diff = 0;
    for (let k = 0; k < full.length; k++) if (full[k] !== doc.labels[k]) diff++;
    expect(diff).toBe(0);
    checkInvariants(doc);
    expect(doc.interpolateZ(1).ok).toBe(false);
  });
});
