import { afterAll, describe, expect, it } from 'vitest';
import { computeMasksInPool } from '../../../src/backend/dynamics/compute-in-pool.ts';
import { DynamicsPool } from '../../../src/backend/dynamics/pool.ts';
import { createDynamicsService } from '../../../src/backend/dynamics/service.ts';
import { resizeAndComputeMasks } from '../../../src/core/dynamics/compute-masks.ts';
import { D4_FINAL, D4_LABELS, d4Inputs, parseGrid } from '../../core/dynamics/appendix-d.ts';
import { FIXTURES, pyArrays } from '../../core/masks/python-npy.ts';
import { arrayDifference } from '../../helpers/same-array.ts';
import { CLI2D_NITER, cli2dFlows } from '../../core/dynamics/cli2d-flows.ts';


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
    const ours = await computeMasksInPool(pool, flows.subarray(0, 2 * plane), flows.subarray(2 * plane), [ly, lx], { niter: CLI2D_NITER });
    let diff = 0;
    for (let i = 0; i < plane; i++) if (ours[i] !== truth[i]) diff++;
    expect(diff).toBe(0);
  });
});

describe('dynamics pool, other profiles', () => {
  it('v4 and v3-gpu (grid-sample dynamics, whole-image GPU flow errors beside the per-mask holes) equal the core path', async () => {
    const { dP, cellprob, shape: [ly, lx] } = cli2dFlows();
    const plane = ly * lx;
    for (const [profile, cellprobThreshold, flowThreshold, minSize] of [['v4', 0, 0.4, 15], ['v3-gpu', 0.5, 0.2, 0]] as const) {
      const opts = { niter: CLI2D_NITER, cellprobThreshold, flowThreshold, minSize, profile };
      const ours = await computeMasksInPool(pool, dP, cellprob, [ly, lx], opts);
      const ref = resizeAndComputeMasks(dP, cellprob, [ly, lx], opts);
      expect(ours.constructor).toBe(ref.constructor);
      let diff = 0;
      for (let i = 0; i < plane; i++) if (ours[i] !== ref[i]) diff++;
      expect(diff).toBe(0);
    }
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
  it('a new flow threshold or min size reuses the cached labels and errors; a new cellprob threshold reruns get_masks', async () => {
    const svc = createDynamicsService({ pool });
    const { dP, cellprob, shape } = d4Inputs();
    svc.putFlows('d4', dP, cellprob, shape);
    const a = await svc.compute('d4', { niter: 200 });
    expect(a.stages).toEqual(['follow', 'cluster', 'qc', 'finish']);
    expect(Array.from(a.masks)).toEqual(Array.from(parseGrid(D4_FINAL).data));
    const b = await svc.compute('d4', { niter: 200, flowThreshold: 0 });
    expect(b.stages).toEqual(['finish']);
    // without QC the holed mask stays and is filled: the 4 input labels come back
    expect(Array.from(b.masks)).toEqual(Array.from(parseGrid(D4_LABELS).data));
    const c = await svc.compute('d4', { niter: 200, flowThreshold: 0, minSize: 30 });
    expect(c.stages).toEqual(['finish']);
    expect(Math.max(...c.masks)).toBeLessThan(4);
    const d = await svc.compute('d4', { niter: 200, cellprobThreshold: 5 });
    expect(d.stages).toEqual(['cluster', 'finish']);
    expect(d.masks.every((v) => v === 0)).toBe(true);
    await expect(svc.compute('nope')).rejects.toThrow(/no flows cached/);
    await svc.close();
  });

  it('slider sequences on real Cellpose flows give exactly a fresh compute_masks + fill, integrating only changed points', async () => {
    const { dP, cellprob, shape: [ly, lx] } = cli2dFlows();
    const svc = createDynamicsService({ pool });
    svc.putFlows('cli2d', dP, cellprob, [ly, lx]);
    const steps: Array<[number, number, number]> = [
      [0, 0.4, 15],
      [0.2, 0.4, 15],
      [0.4, 0.4, 15],
      [0.4, 0.8, 15],
      [0.4, 0.1, 15],
      [0.4, 0, 15],
      [-1, 0, 15],
      [-1, 0.4, 15],
      [-1.2, 0.4, 30],
      [2, 0.3, 15],
      [0, 0.4, 15],
    ];
    const integrated: number[] = [];
    for (const [cellprobThreshold, flowThreshold, minSize] of steps) {
      const r = await svc.compute('cli2d', { niter: CLI2D_NITER, cellprobThreshold, flowThreshold, minSize });
      const fresh = resizeAndComputeMasks(dP, cellprob, [ly, lx], { niter: CLI2D_NITER, cellprobThreshold, flowThreshold, minSize });
      expect(arrayDifference(r.masks, fresh)).toBe('');
      integrated.push(r.integratedPoints);
    }
    // flow-threshold-only and min-size-only steps integrate nothing; a small cellprob step only a
    // few points (each pixel keeps one range, so a far jump and back re-integrates some)
    expect([integrated[3], integrated[4], integrated[5], integrated[7]]).toEqual([0, 0, 0, 0]);
    expect(integrated[1]).toBeLessThan(integrated[0] / 10);
    expect(integrated[10]).toBeLessThan(integrated[0] / 2);
    await svc.close();
  });

  it('warm() (after a segmentation) leaves only the fill for its thresholds; a compute meanwhile waits for it; a slider step then integrates few points; an abort caches nothing half-done', async () => {
    const { dP, cellprob, shape: [ly, lx] } = cli2dFlows();
    const plane = ly * lx;
    const svc = createDynamicsService({ pool });
    svc.putFlows('w', dP, cellprob, [ly, lx]);
    const warming = svc.warm('w', { niter: CLI2D_NITER, cellprobThreshold: 0, flowThreshold: 0.4 });
    // called before the warm-up has finished: runs after it, on its results
    const a = await svc.compute('w', { niter: CLI2D_NITER, cellprobThreshold: 0, flowThreshold: 0.4, minSize: 15 });
    await warming;
    expect(a.stages).toEqual(['finish']);
    expect(arrayDifference(a.masks, resizeAndComputeMasks(dP, cellprob, [ly, lx], { niter: CLI2D_NITER, cellprobThreshold: 0, flowThreshold: 0.4, minSize: 15 }))).toBe('');
    const b = await svc.compute('w', { niter: CLI2D_NITER, cellprobThreshold: 0.25, flowThreshold: 0.4, minSize: 15 });
    expect(b.stages).toEqual(['follow', 'cluster', 'qc', 'finish']);
    let fg = 0;
    for (let i = 0; i < plane; i++) if (cellprob[i] > 0.25) fg++;
    expect(b.integratedPoints).toBeLessThan(fg / 10);
    expect(arrayDifference(b.masks, resizeAndComputeMasks(dP, cellprob, [ly, lx], { niter: CLI2D_NITER, cellprobThreshold: 0.25, flowThreshold: 0.4, minSize: 15 }))).toBe('');
    // an aborted warm-up (a new segmentation started) rejects and caches nothing half-done
    svc.putFlows('aborted', dP, cellprob, [ly, lx]);
    const ac = new AbortController();
    const aborted = svc.warm('aborted', { niter: CLI2D_NITER, cellprobThreshold: 0.5, flowThreshold: 0.4 }, ac.signal);
    setTimeout(() => ac.abort(), 10);
    await expect(aborted).rejects.toMatchObject({ name: 'AbortError' });
    const c = await svc.compute('aborted', { niter: CLI2D_NITER, cellprobThreshold: 0.5, flowThreshold: 0.4, minSize: 15 });
    expect(arrayDifference(c.masks, resizeAndComputeMasks(dP, cellprob, [ly, lx], { niter: CLI2D_NITER, cellprobThreshold: 0.5, flowThreshold: 0.4, minSize: 15 }))).toBe('');
    await svc.close();
  });

  it('prefetch(): a compute with the prefetched parameters takes its result; other parameters abort it; every result is exact', async () => {
    const { dP, cellprob, shape: [ly, lx] } = cli2dFlows();
    const svc = createDynamicsService({ pool });
    svc.putFlows('p', dP, cellprob, [ly, lx]);
    const at = (cellprobThreshold: number) => ({ niter: CLI2D_NITER, cellprobThreshold, flowThreshold: 0.4, minSize: 15 });
    const fresh = (t: number) => resizeAndComputeMasks(dP, cellprob, [ly, lx], at(t));
    await svc.compute('p', at(0));
    // the next step of a drag, prefetched while "the GUI" is busy: then requested
    svc.prefetch('p', at(0.25));
    await new Promise((r) => setTimeout(r, 1500));
    const hit = await svc.compute('p', at(0.25));
    expect(hit.elapsedMs).toBeLessThan(20);
    expect(arrayDifference(hit.masks, fresh(0.25))).toBe('');
    // requested before the prefetch ends: waits for it, the same masks
    svc.prefetch('p', at(0.5));
    expect(arrayDifference((await svc.compute('p', at(0.5))).masks, fresh(0.5))).toBe('');
    // another value: the prefetch is aborted, the caches stay consistent for what follows
    svc.prefetch('p', at(0.75));
    expect(arrayDifference((await svc.compute('p', at(-0.5))).masks, fresh(-0.5))).toBe('');
    expect(arrayDifference((await svc.compute('p', at(0.75))).masks, fresh(0.75))).toBe('');
    // a taken result is not returned twice: a later compute of other parameters in between is exact
    svc.prefetch('p', at(1));
    await new Promise((r) => setTimeout(r, 1500));
    expect(arrayDifference((await svc.compute('p', { ...at(1), flowThreshold: 0.2 })).masks, resizeAndComputeMasks(dP, cellprob, [ly, lx], { ...at(1), flowThreshold: 0.2 }))).toBe('');
    expect(arrayDifference((await svc.compute('p', at(1))).masks, fresh(1))).toBe('');
    await svc.close();
  });
});
