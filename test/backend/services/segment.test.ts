// segment / recomputeMasks / cancel / listModels through createBackend, on the real Cellpose 3
// checkpoint and the GUI fixture: the service must pass the GUI's parameters through faithfully
// (masks match what Cellpose's GUI saved), report progress, and re-threshold from cached flows.
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, type BackendHandle } from '../../../src/backend/services/backend.ts';
import type { ProgressEvent, SegmentParams } from '../../../src/shared/contract.ts';
import { apAt, FIXTURES, REAL_MODEL, segArray } from '../inference/cellpose-fixture.ts';

const CROP = `${FIXTURES}/gui2d/crop2d.tif`;

function params(over: Partial<SegmentParams> = {}): SegmentParams {
  // The GUI run's settings, read from its _seg.npy (diameter, flow and cellprob thresholds).
  const [diameterPx, flowThreshold, cellprobThreshold] = segArray(`${FIXTURES}/gui2d/crop2d_seg.npy`, "[d['diameter'], d['flow_threshold'], d['cellprob_threshold']]").data;
  return {
    model: REAL_MODEL, diameterPx, chan: 0, chan2: 0, flowThreshold, cellprobThreshold, minSize: 15, niter: 0,
    normPercentile: [1, 99], normalize: true, invert: false, augment: false, do3D: false, stitchThreshold: 0, anisotropy: 1, fast: false,
    ...over,
  };
}

const maxLabel = (buf: ArrayBuffer, wide: boolean): number => {
  let m = 0;
  for (const v of wide ? new Uint32Array(buf) : new Uint16Array(buf)) if (v > m) m = v;
  return m;
};

describe('segment service', () => {
  let backend: BackendHandle;
  const progress: ProgressEvent[] = [];
  let fileMasks: ArrayBuffer | null = null;
  beforeAll(() => {
    const home = mkdtempSync(path.join(tmpdir(), 'cps-seg-'));
    // The converted ONNX graph is keyed by the weights' hash, so a cache that outlives the test
    // run only saves the conversion time on the next run.
    const onnxCache = path.resolve('node_modules/.cache/cellpose-studio-test-onnx');
    mkdirSync(onnxCache, { recursive: true });
    backend = createBackend({ homeDir: home, inference: { cacheDir: onnxCache }, zoo: { modelsFolder: path.join(home, 'models'), bundledFolder: path.join(home, 'bundled') } });
    backend.subscribe('onProgress', (p) => progress.push(p));
  });
  afterAll(async () => {
    await backend.dispose();
  });

  it('segments crop2d.tif like the Cellpose GUI did, with progress, and re-thresholds from cached flows', async () => {
    const r = await backend.segment({ jobId: 'gui2d', imagePath: CROP, params: params() });
    expect(r.masks.shape).toEqual([1, 256, 256]);
    expect(r.flowRgb.shape).toEqual([1, 256, 256, 3]);
    expect(r.cellprob.shape).toEqual([1, 256, 256]);
    expect(r.dZU8).toBeNull();
    expect(r.modelName).toBe('cp3_nuclei_dsb2018');
    fileMasks = r.masks.data;
    const wide = r.masks.dtype === 'uint32';
    const ours = wide ? new Uint32Array(r.masks.data) : new Uint16Array(r.masks.data);
    const ap = apAt(segArray(`${FIXTURES}/gui2d/crop2d_seg.npy`, "d['masks']").data, ours);
    expect(ap.nTrue).toBe(28);
    expect(ap.ap50).toBeGreaterThanOrEqual(0.99);

    const mine = progress.filter((p) => p.jobId === 'gui2d');
    expect(mine.length).toBeGreaterThan(2);
    expect(mine.at(-1)?.fraction).toBe(1);
    for (let i = 1; i < mine.length; i++) expect(mine[i].fraction).toBeGreaterThanOrEqual(mine[i - 1].fraction);

    // Same thresholds -> the same masks; a strict cellprob threshold -> fewer pixels in masks.
    const same = await backend.recomputeMasks({ flowsId: r.flowsId, flowThreshold: params().flowThreshold, cellprobThreshold: params().cellprobThreshold, minSize: 15, niter: 0 });
    expect(Buffer.from(same.masks.data).equals(Buffer.from(r.masks.data))).toBe(true);
    const strict = await backend.recomputeMasks({ flowsId: r.flowsId, flowThreshold: 0.4, cellprobThreshold: 3, minSize: 15, niter: 0 });
    const count = (buf: ArrayBuffer, w: boolean): number => {
      let n = 0;
      for (const v of w ? new Uint32Array(buf) : new Uint16Array(buf)) if (v > 0) n++;
      return n;
    };
    expect(count(strict.masks.data, strict.masks.dtype === 'uint32')).toBeLessThan(count(r.masks.data, wide));
    expect(maxLabel(strict.masks.data, strict.masks.dtype === 'uint32')).toBeGreaterThan(0);
    await expect(backend.recomputeMasks({ flowsId: 'nope', flowThreshold: 0.4, cellprobThreshold: 0, minSize: 15, niter: 0 })).rejects.toThrow(/no longer cached/);
  });

  it('segments an image opened from bytes (a browser drop, no path) by its imageId, identically', async () => {
    const bytes = readFileSync(CROP);
    const opened = await backend.openImageBytes({ name: 'crop2d.tif', bytes: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) });
    expect(opened.path).toBe('');
    expect(typeof opened.imageId).toBe('string');
    const r = await backend.segment({ jobId: 'dropped', imagePath: '', imageId: opened.imageId, params: params() });
    expect(Buffer.from(r.masks.data).equals(Buffer.from(fileMasks!))).toBe(true);
    await expect(backend.segment({ jobId: 'gone', imagePath: '', imageId: 'nope', params: params() })).rejects.toThrow(/no longer open/);
    await expect(backend.segment({ jobId: 'none', imagePath: '', params: params() })).rejects.toThrow(/imageId/);
  });

  it('use GPU: the model runs on the first GPU provider that starts, or on the CPU with a warning naming what was tried', async () => {
    const logs: string[] = [];
    const off = backend.subscribe('onLog', (l) => logs.push(l.message));
    try {
      // the probe behind the GUI's checkbox runs in the inference worker, once
      const status = await backend.gpuStatus({});
      expect(await backend.gpuStatus({})).toBe(status);
      const gpu = await backend.segment({ jobId: 'gpu', imagePath: CROP, params: params({ useGpu: true }) });
      expect(gpu.provider).toBe(status.provider ?? 'cpu');
      const wide = gpu.masks.dtype === 'uint32';
      const ours = wide ? new Uint32Array(gpu.masks.data) : new Uint16Array(gpu.masks.data);
      if (gpu.provider === 'cpu') {
        // no GPU here (CI, this VM): the fallback says why, and the masks are the CPU's own
        expect(logs.join('\n')).toMatch(/GPU execution provider .*using the CPU/);
        expect(Buffer.from(gpu.masks.data).equals(Buffer.from(fileMasks!))).toBe(true);
      } else {
        expect(['cuda', 'dml', 'coreml', 'webgpu']).toContain(gpu.provider);
        expect(apAt(segArray(`${FIXTURES}/gui2d/crop2d_seg.npy`, "d['masks']").data, ours).ap50).toBeGreaterThanOrEqual(0.99);
      }
      // unticking it reloads the model on the CPU, with no new warning
      logs.length = 0;
      const cpu = await backend.segment({ jobId: 'cpu-again', imagePath: CROP, params: params({ useGpu: false }) });
      expect(cpu.provider).toBe('cpu');
      expect(logs).toEqual([]);
      expect(Buffer.from(cpu.masks.data).equals(Buffer.from(fileMasks!))).toBe(true);
      await expect(backend.segment({ jobId: 'bad-gpu', imagePath: CROP, params: { ...params(), useGpu: 'yes' as unknown as boolean } })).rejects.toThrow(/useGpu must be true or false/);
    } finally {
      off();
    }
  });

  it('cancel(jobId) stops a running job with an AbortError; unknown jobs report false', async () => {
    const running = backend.segment({ jobId: 'to-cancel', imagePath: CROP, params: params() });
    await new Promise((r) => setTimeout(r, 50));
    expect(await backend.cancel({ jobId: 'to-cancel' })).toEqual({ cancelled: true });
    await expect(running).rejects.toMatchObject({ name: 'AbortError' });
    expect(await backend.cancel({ jobId: 'to-cancel' })).toEqual({ cancelled: false });
  });

  it('rejects bad parameters and a missing image with messages naming the problem', async () => {
    await expect(backend.segment({ jobId: 'b1', imagePath: CROP, params: params({ diameterPx: Number.NaN }) })).rejects.toThrow(/params\.diameterPx/);
    await expect(backend.segment({ jobId: 'b2', imagePath: CROP, params: params({ normPercentile: [99, 1] }) })).rejects.toThrow(/normPercentile/);
    await expect(backend.segment({ jobId: 'b3', imagePath: '/nope/x.tif', params: params() })).rejects.toThrow('/nope/x.tif');
    await expect(backend.segment({ jobId: 'b4', imagePath: CROP, params: params({ model: 'no-such-model' }) })).rejects.toThrow(/unknown model 'no-such-model'/);
  });

  it('listModels lists the zoo as DTOs; importModel adds a user model', async () => {
    const before = await backend.listModels({});
    expect(before.some((m) => m.kind === 'zoo' && m.name === 'cyto3')).toBe(true);
    const imported = await backend.importModel({ path: REAL_MODEL });
    expect(imported).toMatchObject({ name: 'cp3_nuclei_dsb2018', kind: 'custom', installed: true, nChannels: 2, diamMean: 17 });
    expect(Object.keys(imported).sort()).toEqual(['diamLabels', 'diamMean', 'hasSizeModel', 'installed', 'kind', 'nChannels', 'name', 'path']);
    expect((await backend.listModels({})).map((m) => m.name)).toContain('cp3_nuclei_dsb2018');
  });
});
