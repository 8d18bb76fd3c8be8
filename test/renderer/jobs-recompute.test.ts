// The jobs store's live re-threshold (slider drags, A.12): requests are coalesced so only one is
// in flight and, after it, only the latest value is sent; the masks shown are those of the latest
// value; no model run is made. The backend is a stand-in that answers with real masks (mask2d.tif,
// labels above a threshold-dependent id removed) when the test releases each answer.
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { MasksDto, RecomputeRequest } from '../../src/shared/contract.ts';
import { asUint16, pythonArray } from './python-truth.ts';

const MASK2D = '/work/shared/data/stardist-dsb2018-sample-2d/mask2d.tif';
const img = pythonArray(`out = tifffile.imread(${JSON.stringify(MASK2D)})`);
const mask2d = asUint16(img);
const [H, W] = img.shape;

/** What the stand-in backend computes for a cellprob threshold: ids above 100 - 10 * t dropped. */
function masksFor(cellprob: number): Uint16Array {
  const keep = 100 - 10 * cellprob;
  return mask2d.map((v) => (v > keep ? 0 : v));
}

interface Pending {
  req: RecomputeRequest;
  release: () => void;
}
const pending: Pending[] = [];
const calls: RecomputeRequest[] = [];
let segmentCalls = 0;

vi.mock('../../src/renderer/src/api/index.ts', () => ({
  errorMessage: (e: unknown) => (e instanceof Error ? e.message : String(e)),
  getApi: () => ({
    recomputeMasks: (req: RecomputeRequest) =>
      new Promise<MasksDto>((resolve) => {
        calls.push(req);
        const m = masksFor(req.cellprobThreshold);
        pending.push({ req, release: () => resolve({ masks: { dtype: 'uint16', shape: [H, W], data: m.buffer as ArrayBuffer }, elapsedMs: 1 }) });
      }),
    segment: () => {
      segmentCalls++;
      return Promise.reject(new Error('no model runs in this test'));
    },
  }),
}));

const { useJobsStore } = await import('../../src/renderer/src/stores/jobs.ts');
const { useLabelsStore } = await import('../../src/renderer/src/stores/labels.ts');

const flush = (): Promise<void> => new Promise((r) => setTimeout(r, 0));
const thresholds = (cellprobThreshold: number): { flowThreshold: number; cellprobThreshold: number; minSize: number; niter: number } => ({
  flowThreshold: 0.4,
  cellprobThreshold,
  minSize: 15,
  niter: 0,
});
const maxOf = (a: Uint16Array): number => a.reduce((m, v) => Math.max(m, v), 0);

describe('jobs store: coalesced re-threshold', () => {
  beforeEach(() => {
    setActivePinia(createPinia());
    pending.length = 0;
    calls.length = 0;
    segmentCalls = 0;
    const labels = useLabelsStore();
    labels.setMasks(mask2d.slice(), [1, H, W]);
    labels.flowsId = 'flows-1';
  });

  it('sends the first value, then only the latest of those asked for meanwhile', async () => {
    const jobs = useJobsStore();
    const labels = useLabelsStore();
    const full = labels.nMasks;
    expect(full).toBe(maxOf(mask2d));
    const drag = [0.5, 1, 1.5, 2, 2.5, 3];
    const done = drag.map((v) => jobs.requestRecompute(thresholds(v)));
    await flush();
    expect(calls.map((c) => c.cellprobThreshold)).toEqual([0.5]);
    pending[0].release();
    await flush();
    await flush();
    // The first answer is shown, then the latest value (3) is the only one sent after it.
    expect(calls.map((c) => c.cellprobThreshold)).toEqual([0.5, 3]);
    expect(labels.nMasks).toBe(maxOf(masksFor(0.5)));
    pending[1].release();
    await Promise.all(done);
    expect(calls).toHaveLength(2);
    expect(calls.every((c) => c.flowsId === 'flows-1')).toBe(true);
    expect(labels.nMasks).toBe(maxOf(masksFor(3)));
    expect(labels.nMasks).toBeLessThan(full);
    expect(jobs.recomputes).toBe(2);
    expect(jobs.lastRecomputeMs).not.toBeNull();
    expect(segmentCalls).toBe(0);
    expect(jobs.segmentCalls).toBe(0);
  });

  it('drops an answer that arrives after the masks were cleared (a new image)', async () => {
    const jobs = useJobsStore();
    const labels = useLabelsStore();
    const p = jobs.requestRecompute(thresholds(2));
    await flush();
    labels.clear();
    pending[0].release();
    await p;
    expect(labels.layer).toBeNull();
    expect(labels.nMasks).toBe(0);
    expect(jobs.recomputes).toBe(0);
  });

  it('does nothing without cached flows', async () => {
    const jobs = useJobsStore();
    useLabelsStore().flowsId = null;
    await jobs.requestRecompute(thresholds(1));
    expect(calls).toHaveLength(0);
  });
});
