import { describe, expect, it } from 'vitest';
import { stitch3D } from '../../../src/core/dynamics/stitch3d.ts';
import { averagePrecision } from '../../../src/core/masks/average-precision.ts';
import { diameters } from '../../../src/core/masks/diameters.ts';
import { fillHolesAndRemoveSmallMasks } from '../../../src/core/masks/fill-holes.ts';
import { findObjects } from '../../../src/core/masks/find-objects.ts';
import { relabelSequential, renumber } from '../../../src/core/masks/renumber.ts';
import { D1_LABELS, parseGrid } from '../dynamics/appendix-d.ts';

function boxes(ly: number, lx: number, rects: Array<[number, number, number, number, number]>): Uint16Array {
  const m = new Uint16Array(ly * lx);
  for (const [label, r0, r1, c0, c1] of rects) for (let y = r0; y <= r1; y++) for (let x = c0; x <= c1; x++) m[y * lx + x] = label;
  return m;
}

describe('averagePrecision (7.4)', () => {
  it('reproduces Appendix D.3', () => {
    const T = boxes(10, 10, [[1, 0, 3, 0, 3], [2, 5, 9, 5, 9], [3, 0, 2, 6, 8]]);
    const P = boxes(10, 10, [[1, 0, 3, 0, 2], [2, 5, 9, 4, 9], [3, 7, 9, 0, 1]]);
    const r = averagePrecision([T], [P]);
    expect(r.ap[0]).toEqual([0.5, 0.5, 0]);
    expect(r.tp[0]).toEqual([2, 2, 0]);
    expect(r.fp[0]).toEqual([1, 1, 3]);
    expect(r.fn[0]).toEqual([1, 1, 3]);
  });

  it('uses a maximum matching when a mask has two IoU = 0.5 partners', () => {
    // true 1 (4 px) overlaps pred 1 and pred 2 with IoU 0.5 each; true 2 overlaps only pred 1
    const T = new Uint16Array([1, 1, 1, 1, 2, 2, 0, 0]);
    const P = new Uint16Array([2, 2, 1, 1, 1, 1, 0, 0]);
    // IoU(T1,P1) = 2/6, IoU(T1,P2) = 2/4 = 0.5, IoU(T2,P1) = 2/4 = 0.5 -> 2 pairs at th 0.5
    const r = averagePrecision([T], [P], [0.5]);
    expect(r.tp[0]).toEqual([2]);
    expect(r.ap[0]).toEqual([1]);
  });

  it('empty images give NaN, gaps in labels count as misses', () => {
    expect(averagePrecision([new Uint16Array(4)], [new Uint16Array(4)]).ap[0][0]).toBeNaN();
    const r = averagePrecision([new Uint16Array([3, 3, 0, 0])], [new Uint16Array([1, 1, 0, 0])], [0.5]);
    expect(r.fn[0]).toEqual([2]);
  });
});

describe('diameters (7.3)', () => {
  it('reproduces Appendix D.1 (areas 24, 8, 3 -> 3.191538)', () => {
    const { data } = parseGrid(D1_LABELS);
    const d = diameters(data);
    expect(d.diameterPx).toBeCloseTo(3.191538, 6);
    expect(Array.from(d.sqrtAreas).map((v) => +v.toFixed(6))).toEqual([4.898979, 2.828427, 1.732051]);
  });
});

describe('renumber / relabelSequential', () => {
  it('numbers by first raster appearance vs by label value', () => {
    const a = new Uint32Array([0, 7, 7, 3, 0, 9, 3]);
    expect(renumber(a)).toBe(3);
    expect(Array.from(a)).toEqual([0, 1, 1, 2, 0, 3, 2]);
    const b = new Uint32Array([0, 7, 7, 3, 0, 9, 3]);
    expect(relabelSequential(b)).toBe(3);
    expect(Array.from(b)).toEqual([0, 2, 2, 1, 0, 3, 1]);
  });
});

describe('fillHolesAndRemoveSmallMasks (5.5)', () => {
  it('fills a hole (4-connected background) and overwrites a mask nested in it', () => {
    const { data, shape } = parseGrid(`
0000000
0111110
0122210
0121010
0111110
0000000`);
    const out = fillHolesAndRemoveSmallMasks(data, shape, 0);
    // label 2 lies inside label 1's ring and the pixel (3,4) is a hole: all become label 1
    expect(Array.from(out).filter((v) => v === 1).length).toBe(20);
    expect(out.every((v) => v <= 1)).toBe(true);
  });

  it('background touching the outside only diagonally is a hole (4-connected background)', () => {
    const { data, shape } = parseGrid(`
01111
10001
10001
11111`);
    const out = fillHolesAndRemoveSmallMasks(data, shape, 0);
    expect(out[0]).toBe(0);
    expect(Array.from(out.subarray(1)).every((v) => v === 1)).toBe(true);
  });

  it('fixed min-size removal drops the real small label after QC gaps (v3.1 drops the wrong ones)', () => {
    // labels {1,2,4,5} with 5 small, as in ALGORITHMS.md 5.5
    const m = boxes(12, 12, [[1, 0, 3, 0, 3], [2, 0, 3, 6, 9], [4, 6, 9, 0, 3], [5, 8, 9, 8, 9]]);
    const fixed = fillHolesAndRemoveSmallMasks(m, [12, 12], 15);
    expect(Math.max(...fixed)).toBe(3);
    expect(fixed[8 * 12 + 8]).toBe(0);
    expect(fixed[6 * 12 + 0]).toBe(3);
    const legacy = fillHolesAndRemoveSmallMasks(m, [12, 12], 15, { legacyV31MinSize: true });
    // v3.1 removes label values 4 and 5 (indices 3, 4 of the present list): the large mask 4 is lost
    expect(legacy[6 * 12 + 0]).toBe(0);
    expect(legacy[8 * 12 + 8]).toBe(0);
  });

  it('3-D holes are filled volumetrically (6-connected), not per slice', () => {
    // a 3x3x3 cube with its centre empty: in every z-slice the centre is a hole only in slice 1,
    // a 3-D tunnel (centre column empty through all slices) is NOT a hole in 3-D
    const cube = new Uint16Array(27).fill(1);
    cube[13] = 0;
    expect(fillHolesAndRemoveSmallMasks(cube, [3, 3, 3], 0)[13]).toBe(1);
    const tunnel = new Uint16Array(27).fill(1);
    tunnel[4] = tunnel[13] = tunnel[22] = 0;
    expect(fillHolesAndRemoveSmallMasks(tunnel, [3, 3, 3], 0)[13]).toBe(0);
  });

  it('3-D: a hole in a mask whose first voxel (raster order) is not at its smallest y is filled', () => {
    // mask 1 starts at z 0 in row 3 but reaches row 1 in z 1..3; the hole at (2, 2, 2) is enclosed.
    // The bounding box once took y from the first and last voxels only, which is right in 2-D but
    // not in 3-D: the box missed rows 1-2 and the hole stayed open (a 3-D parity case against
    // Cellpose 3.1 lost 8 voxels this way).
    const [lz, ly, lx] = [5, 6, 5];
    const m = new Uint16Array(lz * ly * lx);
    const at = (z: number, y: number, x: number): number => (z * ly + y) * lx + x;
    m[at(0, 3, 2)] = 1;
    for (let z = 1; z <= 3; z++) for (let y = 1; y <= 3; y++) for (let x = 1; x <= 3; x++) m[at(z, y, x)] = 1;
    m[at(2, 2, 2)] = 0;
    const filled = fillHolesAndRemoveSmallMasks(m, [lz, ly, lx], 0);
    expect(filled[at(2, 2, 2)]).toBe(1);
    const boxes3 = findObjects(m, [lz, ly, lx]);
    expect([boxes3.z0[0], boxes3.z1[0], boxes3.y0[0], boxes3.y1[0], boxes3.x0[0], boxes3.x1[0]]).toEqual([0, 4, 1, 4, 1, 4]);
    // the same box from the sparse path (label values far above the voxel count)
    const sparse = Uint32Array.from(m, (v) => (v ? 5_000_000 : 0));
    const b2 = findObjects(sparse, [lz, ly, lx]);
    expect([b2.z0[0], b2.z1[0], b2.y0[0], b2.y1[0], b2.x0[0], b2.x1[0]]).toEqual([0, 4, 1, 4, 1, 4]);
  });
});

describe('stitch3D (6.4)', () => {
  it('links overlapping masks across planes and gives new labels to unmatched ones', () => {
    // plane 0: label 1 left; plane 1: label 1 = same place, label 2 elsewhere; plane 2: label 1 = the 2nd object
    const p0 = boxes(4, 6, [[1, 0, 3, 0, 1]]);
    const p1 = boxes(4, 6, [[1, 0, 3, 0, 1], [2, 0, 3, 4, 5]]);
    const p2 = boxes(4, 6, [[1, 0, 3, 4, 5]]);
    const vol = new Uint16Array(72);
    vol.set(p0, 0);
    vol.set(p1, 24);
    vol.set(p2, 48);
    const s = stitch3D(vol, [3, 4, 6], 0.25);
    expect(s[24]).toBe(1);
    expect(s[24 + 4]).toBe(2);
    expect(s[48 + 4]).toBe(2);
  });

  it('reproduces the leading-empty-plane quirk (labels collide after an empty plane)', () => {
    const p = boxes(2, 4, [[1, 0, 1, 0, 0], [2, 0, 1, 3, 3]]);
    const q = boxes(2, 4, [[1, 0, 1, 3, 3]]);
    const vol = new Uint16Array(24);
    vol.set(p, 0); // plane 0: labels 1, 2
    // plane 1 empty
    vol.set(q, 16); // plane 2: label 1 at the place of plane 0's label 2
    const s = stitch3D(vol, [3, 2, 4], 0.25);
    // the empty step sets mmax to 0 before anything was stitched, and the next empty-IoU step
    // (plane 1 empty vs plane 2) again sets mmax = 1: plane 2 keeps label 1, colliding with plane 0
    expect(s[16 + 3]).toBe(1);
    expect(s[0]).toBe(1);
  });
});
