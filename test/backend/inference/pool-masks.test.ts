// The inference worker's masks: through the dynamics pool, which a CLI run of one image starts
// only where it pays (a large or 3-D image); a 2-D image of ordinary size gets its masks in the
// worker's own thread. Either way the masks are the core path's, here on the real Cellpose flows
// of fixtures/cellpose/cli2d.
import { afterAll, describe, expect, it } from 'vitest';
import { closePool, poolDeps, poolRunning } from '../../../src/backend/inference/pool-masks.ts';
import { maxLabel } from '../../../src/core/masks/labels.ts';
import { directMasks } from '../../../src/core/pipeline/direct-masks.ts';
import type { MaskParams } from '../../../src/core/pipeline/segment.ts';
import { CLI2D_NITER, cli2dFlows } from '../../core/dynamics/cli2d-flows.ts';

afterAll(() => closePool());

const params = (outShape: number[]): MaskParams => ({
  niter: CLI2D_NITER,
  cellprobThreshold: 0,
  flowThreshold: 0.4,
  interp: true,
  maxSizeFraction: 0.4,
  minSize: 15,
  dynamics: 'v3-cpu',
  outShape,
  removeSmall: true,
});

describe('pool masks, started lazily', () => {
  it('a 512² image runs in this thread and a 3-D stack starts the pool; both give the core path\'s masks', async () => {
    const { dP, cellprob, shape } = cli2dFlows();
    const { computeMasks } = poolDeps();
    expect(poolRunning()).toBe(false);
    const m2 = await computeMasks(dP.slice(), cellprob.slice(), shape, params(shape));
    expect(poolRunning()).toBe(false);
    const ref2 = await directMasks(dP.slice(), cellprob.slice(), shape, params(shape));
    expect(m2.length).toBe(shape[0] * shape[1]);
    expect(Array.from(m2)).toEqual(Array.from(ref2));
    expect(maxLabel(m2)).toBeGreaterThan(50);

    // two planes of the same flows as a 3-D field (dZ = 0): the pool starts, the masks are the core's
    const plane = shape[0] * shape[1];
    const shape3 = [2, ...shape];
    const dP3 = new Float32Array(3 * 2 * plane);
    for (let z = 0; z < 2; z++) {
      dP3.set(dP.subarray(0, plane), (2 + z) * plane);
      dP3.set(dP.subarray(plane), (4 + z) * plane);
    }
    const cp3 = new Float32Array(2 * plane);
    cp3.set(cellprob, 0);
    cp3.set(cellprob, plane);
    const m3 = await computeMasks(dP3.slice(), cp3.slice(), shape3, params(shape3));
    expect(poolRunning()).toBe(true);
    const ref3 = await directMasks(dP3.slice(), cp3.slice(), shape3, params(shape3));
    expect(Array.from(m3)).toEqual(Array.from(ref3));
    expect(maxLabel(m3)).toBeGreaterThan(50);
  });
});
