// The worker-based inference service: model loading (with the ONNX cache beside a copy of the
// model), segmentation of a real image file with progress events, cancellation, bad inputs.
import { copyFileSync, existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createInferenceService } from '../../../src/backend/inference/inference-service.ts';
import type { ImageStack } from '../../../src/core/io/image-types.ts';
import { REAL_MODEL } from './cellpose-fixture.ts';
import { sharedPath } from '../../helpers/shared-data.ts';

// CC0 image from the DSB 2018 stage-1 fluorescence set (see its PROVENANCE.md)
const IMG = sharedPath('data/dsb2018-stage1-fluorescence/images/00071198d059ba7f5914a526d124d28e6d010c92466da21d4a04cd5413362552.png');

const dir = mkdtempSync(join(tmpdir(), 'inference-svc-'));
const model = join(dir, 'cp3_nuclei_dsb2018');
copyFileSync(REAL_MODEL, model);
const svc = createInferenceService({ intraOpThreads: 2 });
afterAll(() => svc.dispose());

describe('createInferenceService', () => {
  it('loads a Cellpose checkpoint in the worker and caches the ONNX graph beside it', async () => {
    const m = await svc.loadModel(model);
    expect(m.nbase).toEqual([2, 32, 64, 128, 256]);
    expect(m.diamMeanPx).toBe(17);
    expect(m.providerUsed).toBe('cpu');
    expect(m.onnxCachePath).toMatch(/cp3_nuclei_dsb2018\.[0-9a-f]{16}\.onnx$/);
    expect(existsSync(m.onnxCachePath as string)).toBe(true);
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('segments a real PNG by path with progress per batch, returning masks and the decoded image', async () => {
    const stages = new Set<string>();
    const fractions: number[] = [];
    const r = await svc.segment(IMG, { diameterPx: 17.9 }, (p) => {
      stages.add(p.stage);
      fractions.push(p.fraction);
    });
    expect(r.shape).toEqual([1, 256, 256]);
    expect(r.image?.width).toBe(256);
    let max = 0;
    for (const v of r.masks) max = Math.max(max, v);
    // the manifest lists 27 annotated nuclei; this small model finds a comparable number
    expect(max).toBeGreaterThan(15);
    expect(max).toBeLessThan(40);
    expect(stages.has('network')).toBe(true);
    expect(fractions[fractions.length - 1]).toBe(1);
  });

  it('cancel stops a run with an AbortError', async () => {
    const ac = new AbortController();
    const p = svc.segment(IMG, { diameterPx: 8, augment: true, batchSize: 1 }, () => ac.abort(), ac.signal);
    await expect(p).rejects.toMatchObject({ name: 'AbortError' });
    // the worker is still usable afterwards
    const r = await svc.segment(IMG, { diameterPx: 17.9, computeMasks: false });
    expect(r.cellprob.length).toBe(256 * 256);
  });

  it('reports a clear error for a file that is not a checkpoint, and a missing model for diameter 0', async () => {
    const bad = join(dir, 'not-a-model');
    writeFileSync(bad, 'hello');
    await expect(svc.loadModel(bad)).rejects.toThrow(/not-a-model.*not a PyTorch checkpoint/);
    await svc.loadModel(model);
    await expect(svc.segment(IMG, { diameterPx: 0 })).rejects.toThrow(/has no size model .*cp3_nuclei_dsb2018_size\.npy/);
  });

  it('refuses, before any work, an image whose segmentation would need more memory than the machine has', async () => {
    await svc.loadModel(model);
    // 20000 x 25000 pixels (under the engine's own 2^29-pixel limit) at diameter 1.7 for diam_mean
    // 17: the network would see it 10x larger per side, terabytes; only 1 pixel of data is sent
    const huge: ImageStack = {
      data: { data: new Uint8Array(1), shape: [1, 20000, 25000, 1], dtype: 'uint8' }, nZ: 1, height: 20000, width: 25000, nChannels: 1, dtype: 'uint8',
      assignment: { rawShape: [20000, 25000], axes: ['Y', 'X'], source: 'override', ambiguous: false, description: '' },
      format: 'tiff', minValue: 0, maxValue: 255, warnings: [],
    };
    await expect(svc.segment(huge, { diameterPx: 1.7 })).rejects.toThrow(/20000 x 25000 image needs about \d+(\.\d)? GB of memory, more than this machine's/);
    // and the worker still segments afterwards
    const r = await svc.segment(IMG, { diameterPx: 17.9, computeMasks: false });
    expect(r.cellprob.length).toBe(256 * 256);
  });
});
