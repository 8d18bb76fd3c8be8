// Execution-provider selection: an unavailable or failing provider falls back to the CPU with a
// warning instead of an error, and the CPU session computes the same outputs.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { GPU_PREFERENCE, OrtNetwork, availableProviders, gpuCandidates, type SessionFactory } from '../../../src/backend/inference/ort-network.ts';
import { readTorchStateDict } from '../../../src/core/io/torch-checkpoint.ts';
import { buildCpnetOnnx } from '../../../src/core/model/build-cpnet-onnx.ts';
import { describeCpnet } from '../../../src/core/model/cpnet-spec.ts';

const TINY1 = new URL('../../fixtures/model/tiny_nchan1', import.meta.url).pathname;

/** The 1-channel test checkpoint: its spec and its ONNX graph. */
function tiny1(): { spec: ReturnType<typeof describeCpnet>; bytes: Uint8Array } {
  const w = readTorchStateDict(new Uint8Array(readFileSync(TINY1))).tensors;
  return { spec: describeCpnet(w), bytes: buildCpnetOnnx(w) };
}

describe('OrtNetwork providers', () => {
  it('falls back to the CPU with a warning when CUDA is requested but not usable, same numbers', async () => {
    const { spec, bytes } = tiny1();
    const cpu = await OrtNetwork.create(bytes, spec, { provider: 'cpu', intraOpThreads: 1 });
    expect(cpu.warnings).toEqual([]);
    const wanted = availableProviders().includes('cuda') ? 'coreml' : 'cuda';
    const fb = await OrtNetwork.create(bytes, spec, { provider: wanted, intraOpThreads: 1 });
    expect(fb.providerUsed).toBe('cpu');
    expect(fb.warnings.join(' ')).toMatch(new RegExp(`'${wanted}'.*using the CPU`));
    const x = Float32Array.from({ length: 2 * 1 * 32 * 48 }, (_, i) => Math.sin(i * 0.1));
    const a = await cpu.run(x, [2, 1, 32, 48]);
    const b = await fb.run(x, [2, 1, 32, 48]);
    expect(Array.from(b.flows)).toEqual(Array.from(a.flows));
    expect(a.style.length).toBe(2 * spec.styleDim);
    await cpu.release();
    await fb.release();
  });

  it("'gpu' (use_gpu) takes the first GPU provider that starts, else the CPU with a warning naming each one tried", async () => {
    const { spec, bytes } = tiny1();
    const candidates = gpuCandidates();
    // in preference order, only providers onnxruntime-node lists
    expect(candidates).toEqual(GPU_PREFERENCE.filter((p) => candidates.includes(p)));
    for (const p of candidates) expect(availableProviders()).toContain(p);
    const net = await OrtNetwork.create(bytes, spec, { provider: 'gpu', intraOpThreads: 1 });
    if (net.providerUsed === 'cpu') {
      expect(net.warnings).toHaveLength(1);
      for (const p of candidates) expect(net.warnings[0]).toContain(`${p}: `);
      expect(net.warnings[0]).toMatch(/using the CPU$/);
      // onnxruntime's multi-line source paths are cut to the reason
      expect(net.warnings[0]).not.toMatch(/onnxruntime_src|\n/);
    } else {
      expect(candidates).toContain(net.providerUsed);
      expect(net.warnings).toEqual([]);
    }
    const cpu = await OrtNetwork.create(bytes, spec, { provider: 'cpu', intraOpThreads: 1 });
    const x = Float32Array.from({ length: 1 * 1 * 32 * 48 }, (_, i) => Math.cos(i * 0.05));
    const a = await cpu.run(x, [1, 1, 32, 48]);
    const b = await net.run(x, [1, 1, 32, 48]);
    expect(a.flows.reduce((m, v, i) => Math.max(m, Math.abs(v - b.flows[i])), 0)).toBeLessThan(1e-3);
    await cpu.release();
    await net.release();
  });

  it('a GPU provider that fails during a run hands the batch and the rest of the run to a CPU session, and says so', async () => {
    const { spec, bytes } = tiny1();
    const gpu = GPU_PREFERENCE.find((p) => availableProviders().includes(p));
    expect(gpu).toBeDefined();
    // the GPU session starts, then loses its device on the second batch (as a driver reset does)
    let gpuRuns = 0;
    let gpuReleased = false;
    const createSession: SessionFactory = async (b, o) => {
      if (o.executionProviders?.[0] !== 'cpu') {
        const real = await ort.InferenceSession.create(b, { ...o, executionProviders: ['cpu'] });
        return {
          run: (feeds: ort.InferenceSession.FeedsType) => (++gpuRuns === 2 ? Promise.reject(new Error('Device lost\nat /build/dawn/device.cpp:1')) : real.run(feeds)),
          release: () => ((gpuReleased = true), real.release()),
        } as unknown as ort.InferenceSession;
      }
      return ort.InferenceSession.create(b, o);
    };
    const net = await OrtNetwork.create(bytes, spec, { provider: gpu, intraOpThreads: 1, createSession });
    const cpu = await OrtNetwork.create(bytes, spec, { provider: 'cpu', intraOpThreads: 1 });
    expect(net.providerUsed).toBe(gpu);
    const x = Float32Array.from({ length: 2 * 32 * 48 }, (_, i) => Math.sin(i * 0.21));
    const first = await net.run(x, [2, 1, 32, 48]);
    expect(net.takeRunWarnings()).toEqual([]);
    const second = await net.run(x, [2, 1, 32, 48]);
    expect(net.providerUsed).toBe('cpu');
    expect(gpuReleased).toBe(true);
    expect(net.takeRunWarnings()).toEqual([`the '${gpu}' execution provider failed during a run (Device lost); continuing on the CPU`]);
    expect(net.takeRunWarnings()).toEqual([]);
    const ref = await cpu.run(x, [2, 1, 32, 48]);
    expect(Array.from(second.flows)).toEqual(Array.from(ref.flows));
    expect(Array.from(first.flows)).toEqual(Array.from(ref.flows));
    // later batches run on the CPU session, with no new warning
    await net.run(x, [2, 1, 32, 48]);
    expect(gpuRuns).toBe(2);
    expect(net.takeRunWarnings()).toEqual([]);
    // a CPU session's own failure is an error, not a fallback
    await expect(cpu.run(x.subarray(0, 10), [2, 1, 32, 48])).rejects.toThrow();
    await net.release();
    await cpu.release();
  });

  it('memPattern: false (fast mode\'s int8 session) reaches onnxruntime and leaves the outputs as they are, run after run and across shapes', async () => {
    const { spec, bytes } = tiny1();
    const seen: (boolean | undefined)[] = [];
    const createSession: SessionFactory = (b, o) => (seen.push(o.enableMemPattern), ort.InferenceSession.create(b, o));
    const planned = await OrtNetwork.create(bytes, spec, { intraOpThreads: 1, createSession });
    const unplanned = await OrtNetwork.create(bytes, spec, { intraOpThreads: 1, memPattern: false, createSession });
    expect(seen).toEqual([true, false]);
    for (const [h, w] of [[48, 64], [32, 48], [48, 64]]) {
      const x = Float32Array.from({ length: h * w }, (_, i) => Math.sin(i * 0.13 + h));
      const a = await planned.run(x, [1, 1, h, w]);
      const b = await unplanned.run(x, [1, 1, h, w]);
      expect(Array.from(b.flows)).toEqual(Array.from(a.flows));
      expect(Array.from(b.style)).toEqual(Array.from(a.style));
    }
    await planned.release();
    await unplanned.release();
  });

  it('runs a CPU batch in pieces of at most cpuPixelsPerRun input pixels with the same outputs as one run', async () => {
    const { spec, bytes } = tiny1();
    const whole = await OrtNetwork.create(bytes, spec, { intraOpThreads: 1, cpuPixelsPerRun: Infinity });
    const pieces = await OrtNetwork.create(bytes, spec, { intraOpThreads: 1, cpuPixelsPerRun: 2 * 32 * 48 + 100 });
    // 5 tiles: pieces of 2, 2 and 1; every tile different, so a misplaced piece shows
    const x = Float32Array.from({ length: 5 * 1 * 32 * 48 }, (_, i) => Math.sin(i * 0.37) + Math.floor(i / (32 * 48)));
    const a = await whole.run(x, [5, 1, 32, 48]);
    const b = await pieces.run(x, [5, 1, 32, 48]);
    expect(b.flows.length).toBe(5 * spec.nout * 32 * 48);
    expect(b.style.length).toBe(5 * spec.styleDim);
    const maxDiff = (p: Float32Array, q: Float32Array): number => p.reduce((m, v, i) => Math.max(m, Math.abs(v - q[i])), 0);
    expect(maxDiff(a.flows, b.flows)).toBeLessThan(1e-5);
    expect(maxDiff(a.style, b.style)).toBeLessThan(1e-6);
    // and the tiles really differ from each other
    const tile = spec.nout * 32 * 48;
    expect(maxDiff(a.flows.subarray(0, tile), a.flows.subarray(4 * tile, 5 * tile))).toBeGreaterThan(1e-3);
    await whole.release();
    await pieces.release();
  });
});
