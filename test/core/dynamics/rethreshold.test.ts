// Re-thresholding from cached dynamics must give exactly what a fresh compute_masks gives: checked
// on real Cellpose 3.1 network flows (cli2d fixture) over a slider-like sequence of thresholds.
import { describe, expect, it } from 'vitest';
import { computeMasks, finishMasks, prepareDynamics } from '../../../src/core/dynamics/compute-masks.ts';
import { flowErrors } from '../../../src/core/dynamics/flow-errors.ts';
import { followFlows } from '../../../src/core/dynamics/follow-flows.ts';
import { GetMasksScratch, getMasks } from '../../../src/core/dynamics/get-masks.ts';
import { PositionCache, dropBadFlowMasks, followFlowsCached } from '../../../src/core/dynamics/rethreshold.ts';
import { CLI2D_NITER, cli2dFlows } from './cli2d-flows.ts';
import { arrayDifference } from '../../helpers/same-array.ts';


describe('re-threshold from cached dynamics (real Cellpose flows)', () => {
  const { dP, cellprob, shape } = cli2dFlows();
  const cache = new PositionCache(shape, CLI2D_NITER);

  it('cached end points equal a fresh followFlows at every cellprob threshold, integrating only what changed', () => {
    const recomputed: number[] = [];
    for (const t of [0, 0.5, 1, 1.5, 0.8, -0.5, -2, -1.9, 0, 3, 6, -6]) {
      const input = prepareDynamics(dP, cellprob, shape, t, CLI2D_NITER, 'pixel-bilinear');
      if (!input) continue;
      const r = followFlowsCached(input, cellprob, t, cache);
      const fresh = followFlows(input);
      expect(arrayDifference(r.p, fresh)).toBe('');
      recomputed.push(r.recomputed / input.inds.length);
    }
    // the first call integrates everything; a later step only the points whose blocks changed
    // measured: 1, then 0.09 0.08 0.10 for steps of 0.5, 0.03 for the step of 0.1 (-2 -> -1.9)
    expect(recomputed[0]).toBe(1);
    expect(Math.max(...recomputed.slice(1, 4))).toBeLessThan(0.15);
    expect(recomputed[7]).toBeLessThan(0.06);
  });

  it('masks from cached labels + flow errors equal compute_masks + fill for several threshold pairs', () => {
    // one get_masks scratch through all thresholds, as a dynamics worker keeps it
    const scratch = new GetMasksScratch();
    for (const [cellprobThreshold, flowThreshold] of [[0, 0.4], [0, 0.1], [0, 0], [0, 3], [1, 0.4], [1, 0.2], [-1, 0.4], [-1, 0.8], [2.5, 0.4]] as const) {
      const input = prepareDynamics(dP, cellprob, shape, cellprobThreshold, CLI2D_NITER, 'pixel-bilinear');
      if (!input) throw new Error('no foreground');
      const { p } = followFlowsCached(input, cellprob, cellprobThreshold, cache);
      const preQc = getMasks(p, input.inds, shape, 0.4, undefined, scratch);
      expect(arrayDifference(preQc, getMasks(p, input.inds, shape))).toBe('');
      const errors = flowErrors(preQc, dP, shape);
      const ours = finishMasks(dropBadFlowMasks(preQc, errors, flowThreshold), shape, { minSize: 15 });
      const fresh = finishMasks(computeMasks(dP, cellprob, shape, { niter: CLI2D_NITER, cellprobThreshold, flowThreshold }), shape, { minSize: 15 });
      expect(arrayDifference(ours, fresh)).toBe('');
    }
  });
});
