import { describe, expect, it } from 'vitest';
import { computeMasks, resizeAndComputeMasks } from '../../../src/core/dynamics/compute-masks.ts';
import { flowErrors } from '../../../src/core/dynamics/flow-errors.ts';
import type { DynamicsProfile } from '../../../src/core/dynamics/profiles.ts';
import { D4_FINAL, d4Inputs, parseGrid } from './appendix-d.ts';


describe('computeMasks on Appendix D.4 (niter 200)', () => {
  const { labels, shape, dP, cellprob } = d4Inputs();
  const expectedNoQc = Uint16Array.from(labels);
  expectedNoQc[5 * shape[1] + 5] = 0;

  for (const profile of ['v3-cpu', 'v4'] as DynamicsProfile[]) {
    it(`${profile}: without flow QC the masks are the labels minus the cellprob hole`, () => {
      const m = computeMasks(dP, cellprob, shape, { niter: 200, flowThreshold: 0, profile });
      expect(Array.from(m)).toEqual(Array.from(expectedNoQc));
    });

    it(`${profile}: default QC deletes the holed mask and the final result matches Cellpose`, () => {
      const m = resizeAndComputeMasks(dP, cellprob, shape, { niter: 200, profile });
      expect(Array.from(m)).toEqual(Array.from(parseGrid(D4_FINAL).data));
    });
  }

  it('flow errors of the four masks match Cellpose (v3 CPU variant and v4)', () => {
    const cpu = flowErrors(expectedNoQc, dP, shape, { variant: 'cpu', centre: 'v3' });
    const v4 = flowErrors(expectedNoQc, dP, shape, { variant: 'gpu', centre: 'v4' });
    [0.4313, 0.0239, 0.0257, 0.0264].forEach((v, i) => expect(cpu[i]).toBeCloseTo(v, 4));
    [0.5197, 0.0321, 0.135, 0.1415].forEach((v, i) => expect(v4[i]).toBeCloseTo(v, 4));
  });

  it('flow errors computed in parts (masks split across workers) equal the whole', () => {
    const whole = flowErrors(expectedNoQc, dP, shape);
    const a = flowErrors(expectedNoQc, dP, shape, { objects: [0, 2] });
    const b = flowErrors(expectedNoQc, dP, shape, { objects: [2, 4] });
    expect(Number.isNaN(a[2]) && Number.isNaN(b[0])).toBe(true);
    const merged = whole.map((_, i) => (Number.isNaN(a[i]) ? b[i] : a[i]));
    expect(Array.from(merged)).toEqual(Array.from(whole));
  });

  it('no foreground gives an empty uint16 image; bad shapes are named', () => {
    const m = computeMasks(dP, new Float32Array(cellprob.length).fill(-5), shape);
    expect(m).toBeInstanceOf(Uint16Array);
    expect(m.every((v) => v === 0)).toBe(true);
    expect(() => computeMasks(dP.subarray(1), cellprob, shape)).toThrow(/dP has/);
    expect(() => computeMasks(dP, cellprob, [shape[0], 0])).toThrow(/bad shape/);
  });
});
