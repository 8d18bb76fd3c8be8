import { afterAll, describe, expect, it } from 'vitest';
import { computeMasksInPool } from '../../../src/backend/dynamics/compute-in-pool.ts';
import { DynamicsPool } from '../../../src/backend/dynamics/pool.ts';
import { createDynamicsService } from '../../../src/backend/dynamics/service.ts';
import { D4_FINAL, D4_LABELS, d4Inputs, parseGrid } from '../../core/dynamics/appendix-d.ts';
import { FIXTURES, pyArrays } from '../../core/masks/python-npy.ts';


const pool = new DynamicsPool(2);
afterAll(() => pool.close());

describe('dynamics pool', () => {
  it('computeMasksInPool gives Appendix D.4 (the same as the core path)', async () => {
    const { dP, cellprob, shape } = d4Inputs();
    const m = await computeMasksInPool(pool, dP, cellprob, shape, { niter: 200 });
    expect(Array.from(m)).toEqual(Array.from(parseGrid(D4_FINAL).data));
  });

  it('split across workers, real Cellpose flows still give Cellpose masks exactly', async () => {
    const [f, m] = pyArrays([`seg('${FIXTURES}/cli2d/img2d_seg.npy')['flows'][4]`, `seg('${FIXTURES}/cli2d/img2d_seg.npy')['masks'].astype(np.float32)`], 'float32');
    const flows = new Float32Array(f.bytes.buffer);
    const truth = new Float32Array(m.bytes.buffer);
    const [, ly, lx] = f.shape;
    const plane = ly * lx;
    const ours = await computeMasksInPool(pool, flows.subarray(0, 2 * plane), flows.subarray(2 * plane), [ly, lx], { niter: 282 });
    let diff = 0;
    for (let i = 0; i < plane; i++) if (ours[i] !== truth[i]) diff++;
    expect(diff).toBe(0);
  });
});

describe('cancellation and bad input', () => {
  it('an aborted signal rejects with AbortError; mismatched arrays are refused with a message', async () => {
    const { dP, cellprob, shape } = d4Inputs();
    const ac = new AbortController();
    ac.abort();
    await expect(computeMasksInPool(pool, dP, cellprob, shape, { niter: 200 }, { signal: ac.signal })).rejects.toMatchObject({ name: 'AbortError' });
    await expect(computeMasksInPool(pool, dP.subarray(3), cellprob, shape)).rejects.toThrow(/dP has/);
    const svc = createDynamicsService({ pool });
    expect(() => svc.putFlows('x', dP, cellprob.subarray(1), shape)).toThrow(/do not match/);
    await svc.close();
    // the pool still works afterwards
    const m = await computeMasksInPool(pool, dP, cellprob, shape, { niter: 200 });
    expect(Array.from(m)).toEqual(Array.from(parseGrid(D4_FINAL).data));
  });
});

describe('createDynamicsService re-thresholding', () => {
  it('a new flow threshold reruns only QC and fill; a new cellprob threshold reruns the dynamics', async () => {
    const svc = createDynamicsService({ pool });
    const { dP, cellprob, shape } = d4Inputs();
    svc.putFlows('d4', dP, cellprob, shape);
    const a = await svc.compute('d4', { niter: 200 });
    expect(a.stages).toEqual(['follow', 'cluster', 'finish']);
    expect(Array.from(a.masks)).toEqual(Array.from(parseGrid(D4_FINAL).data));
    const b = await svc.compute('d4', { niter: 200, flowThreshold: 0 });
    expect(b.stages).toEqual(['cluster', 'finish']);
    // without QC the holed mask stays and is filled: the 4 input labels come back
    expect(Array.from(b.masks)).toEqual(Array.from(parseGrid(D4_LABELS).data));
    const c = await svc.compute('d4', { niter: 200, flowThreshold: 0, minSize: 30 });
    expect(c.stages).toEqual(['finish']);
    expect(Math.max(...c.masks)).toBeLessThan(4);
    const d = await svc.compute('d4', { niter: 200, cellprobThreshold: 5 });
    expect(d.stages).toEqual(['follow', 'cluster', 'finish']);
    expect(d.masks.every((v) => v === 0)).toBe(true);
    await expect(svc.compute('nope')).rejects.toThrow(/no flows cached/);
    await svc.close();
  });
});
