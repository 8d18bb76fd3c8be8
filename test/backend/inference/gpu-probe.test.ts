// The GPU probe behind the GUI's "use GPU" checkbox: a provider that starts and runs the probe
// graph is reported; one that cannot start, or starts and fails on its first run, is not, with
// the reason. Real sessions on the CPU stand in for the GPU where a test needs one to work.
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { probeGpu, probeGpuInWorker, probeGraph } from '../../../src/backend/inference/gpu-probe.ts';
import { gpuCandidates, type SessionFactory } from '../../../src/backend/inference/ort-network.ts';

/** GPU sessions that are CPU sessions underneath, optionally failing on their first run. */
function fakeGpu(failOnRun: boolean): SessionFactory {
  return async (bytes, o) => {
    const real = await ort.InferenceSession.create(bytes, { ...o, executionProviders: ['cpu'] });
    if (o.executionProviders?.[0] === 'cpu' || !failOnRun) return real;
    return { run: () => Promise.reject(new Error('Device lost')), release: () => real.release() } as unknown as ort.InferenceSession;
  };
}

describe('GPU probe', () => {
  it('is a valid graph in CPnet names that the CPU runs', async () => {
    const s = await ort.InferenceSession.create(probeGraph());
    const r = await s.run({ input: new ort.Tensor('float32', new Float32Array(2 * 2 * 8 * 8).fill(1), [2, 2, 8, 8]) });
    expect(r.flows_cellprob.dims).toEqual([2, 3, 8, 8]);
    expect(r.style.dims).toEqual([2, 3]);
    await s.release();
  });

  it('reports the first GPU provider that starts and runs, and none when it fails on its first run', async () => {
    const first = gpuCandidates()[0];
    expect(first).toBeDefined(); // onnxruntime-node bundles WebGPU on Linux, Windows and macOS
    expect(await probeGpu({ createSession: fakeGpu(false) })).toEqual({ provider: first, reason: null });
    const failing = await probeGpu({ createSession: fakeGpu(true) });
    expect(failing.provider).toBeNull();
    expect(failing.reason).toBe(`the '${first}' execution provider failed during a run (Device lost); continuing on the CPU`);
  });

  it('on this machine, as it is: a provider, or none with the reason', async () => {
    const status = await probeGpu();
    if (status.provider === null) expect(status.reason).toMatch(/GPU execution provider .*using the CPU/);
    else expect(gpuCandidates()).toContain(status.provider);
  });

  it('runs in a worker of its own with a time limit: the same answer, or the limit named', async () => {
    const inWorker = await probeGpuInWorker();
    const here = await probeGpu();
    expect(inWorker.provider).toBe(here.provider);
    expect(await probeGpuInWorker(1)).toEqual({ provider: null, reason: 'the GPU probe did not answer within 0.001 s' });
  });
});
