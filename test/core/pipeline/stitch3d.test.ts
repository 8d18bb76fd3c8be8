// stitch3D (ALGORITHMS.md 6.4): IoU matching of plane labels to the previous plane, new labels
// for unmatched masks, and the "empty plane before the first stitch" quirk.
import { describe, expect, it } from 'vitest';
import { stitch3D } from '../../../src/core/pipeline/stitch3d.ts';

/** Planes of 1x8 pixels given as strings of digits. */
function planes(...rows: string[]): Uint16Array {
  return Uint16Array.from(rows.join('').split('').map(Number));
}

describe('stitch3D', () => {
  it('carries labels through overlapping planes and numbers unmatched masks after the maximum', () => {
    const m = planes('11002200', '22001100', '10000003');
    const s = stitch3D(m, [3, 1, 8], 0.25);
    // plane 2: label 1 matches; the absent label 2 still takes a new number (3), as Cellpose's
    // dense IoU rows do, so label 3 becomes 4
    expect(Array.from(s)).toEqual(Array.from(planes('11002200', '11002200', '10000004')));
  });
  it('a mask overlapping below the threshold gets a new label', () => {
    const m = planes('11111100', '00000110');
    const s = stitch3D(m, [2, 1, 8], 0.5); // IoU 1/7 < 0.5
    expect(Array.from(s.subarray(8))).toEqual([0, 0, 0, 0, 0, 2, 2, 0]);
  });
  it('only the best match of each previous mask survives: two masks on one previous mask', () => {
    const m = planes('11111111', '11122222');
    const s = stitch3D(m, [2, 1, 8], 0.25);
    // IoU(1)=3/8, IoU(2)=5/8: label 2 takes the previous label 1, label 1 becomes new label 2
    expect(Array.from(s.subarray(8))).toEqual([2, 2, 2, 1, 1, 1, 1, 1]);
  });
  it('quirk: before any stitch, an empty plane resets the running maximum', () => {
    const m = planes('11002200', '00000000', '10000000', '10000000');
    const s = stitch3D(m, [4, 1, 8], 0.25);
    // plane 2 keeps label 1 (colliding with plane 0's label 1), then plane 3 stitches to it
    expect(Array.from(s.subarray(16))).toEqual([1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0]);
  });
  it('after a stitch, a plane following an empty plane is renumbered above the maximum', () => {
    const m = planes('11000000', '11000000', '00000000', '00110000');
    const s = stitch3D(m, [4, 1, 8], 0.25);
    expect(Array.from(s.subarray(24))).toEqual([0, 0, 2, 2, 0, 0, 0, 0]);
  });
});
