// removeEdgeMasks (utils.remove_edge_masks, change_index=True): 2-D shapes check Y and X only,
// 3-D shapes also Z; survivors are numbered by increasing old label, as np.unique's inverse.
import { describe, expect, it } from 'vitest';
import { removeEdgeMasks } from '../../../src/core/masks/remove-edge-masks.ts';

describe('removeEdgeMasks', () => {
  it('2-D: drops masks touching any side, keeps inner ones in label order', () => {
    // 5 x 6; label 7 touches the top, 3 the right side, 9 and 4 are inside
    const m = Int32Array.from([
      0, 7, 7, 0, 0, 0,
      0, 0, 9, 0, 4, 3,
      0, 9, 9, 0, 4, 3,
      0, 0, 0, 0, 0, 0,
      0, 0, 0, 0, 0, 0,
    ]);
    expect(removeEdgeMasks(m, [5, 6])).toBe(2);
    expect(Array.from(m)).toEqual([
      0, 0, 0, 0, 0, 0,
      0, 0, 2, 0, 1, 0,
      0, 2, 2, 0, 1, 0,
      0, 0, 0, 0, 0, 0,
      0, 0, 0, 0, 0, 0,
    ]);
  });

  it('3-D: a mask on the first or last plane touches an edge; a 2-D shape never checks Z', () => {
    const plane = [0, 0, 0, 0, 1, 0, 0, 0, 0]; // 3 x 3, label 1 in the middle
    const three = Uint16Array.from([...plane, ...plane.map((v) => v * 2), ...plane.map(() => 0)]);
    expect(removeEdgeMasks(three, [3, 3, 3])).toBe(1); // label 1 is on plane 0: dropped; 2 -> 1
    expect(Array.from(three.subarray(0, 9))).toEqual(plane.map(() => 0));
    expect(Array.from(three.subarray(9, 18))).toEqual(plane);
    const flat = Uint16Array.from(plane);
    expect(removeEdgeMasks(flat, [3, 3])).toBe(1);
    expect(Array.from(flat)).toEqual(plane);
  });
});
