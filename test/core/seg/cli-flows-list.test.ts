// The CLI flows list for flows that are not at the masks' size or have another component count,
// as io.masks_flows_to_seg (Cellpose 3.1) writes them; checked against the real Cellpose's files for
// --no_resample (2-D and 3-D) and stitching in tools/cellpose-parity.
import { describe, expect, it } from 'vitest';
import type { NdArray } from '../../../src/core/array/ndarray.ts';
import { cliFlowsList } from '../../../src/core/seg/seg-flows.ts';

const f32 = (shape: number[], f: (i: number) => number): NdArray<'float32'> => {
  const n = shape.reduce((a, b) => a * b, 1);
  return { dtype: 'float32', shape, data: Float32Array.from({ length: n }, (_, i) => f(i)) };
};
const shapeOf = (v: unknown): number[] | 'list' => (Array.isArray(v) ? 'list' : [...(v as NdArray).shape]);

describe('cliFlowsList (masks_flows_to_seg)', () => {
  it('2-D flows at the network size: display pictures resized to the masks, zeros and floats at the flows size', () => {
    const list = cliFlowsList({ dP: f32([2, 3, 4], (i) => Math.sin(i)), cellprob: f32([3, 4], (i) => i - 6) }, [6, 8]);
    expect(list.map(shapeOf)).toEqual([[1, 6, 8, 3], [1, 6, 8], [1, 3, 4, 3], 'list', [3, 3, 4]]);
    // nearest resize by 2: each flow-picture pixel covers a 2x2 block of the masks
    const rgb = (list[0] as NdArray).data as Uint8Array;
    expect(Array.from(rgb.subarray(0, 3))).toEqual(Array.from(rgb.subarray(3, 6)));
    expect(Array.from(rgb.subarray(0, 3))).toEqual(Array.from(rgb.subarray(24, 27)));
  });

  it('3-D: any flow size is kept as it is, with the first component as the third picture', () => {
    const do3D = cliFlowsList({ dP: f32([3, 5, 3, 4], (i) => Math.cos(i)), cellprob: f32([5, 3, 4], (i) => i % 7) }, [4, 6, 8]);
    expect(do3D.map(shapeOf)).toEqual([[5, 3, 4, 3], [5, 3, 4], [5, 3, 4], 'list', [4, 5, 3, 4]]);
    // a stitched stack: two components (dY, dX) per plane
    const stitched = cliFlowsList({ dP: f32([2, 4, 6, 8], (i) => Math.cos(i)), cellprob: f32([4, 6, 8], (i) => i % 5) }, [4, 6, 8]);
    expect(stitched.map(shapeOf)).toEqual([[4, 6, 8, 3], [4, 6, 8], [4, 6, 8], 'list', [3, 4, 6, 8]]);
  });
});
