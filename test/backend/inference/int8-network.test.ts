// Fast mode's int8 network on the CPU (src/backend/inference/int8-network.ts): calibrated on the
// bundled calibration images, deterministic, cached beside the float32 graph, close to the
// float32 network on a real image, and used by the inference worker only for fast runs whose
// second channel is empty, on Cellpose's own tiles.
import { copyFileSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createInferenceService } from '../../../src/backend/inference/inference-service.ts';
import { buildInt8Onnx, int8Applies, int8OnnxFor, int8RunOptions, INT8_TAG } from '../../../src/backend/inference/int8-network.ts';
import { loadCellposeModel } from '../../../src/backend/inference/load-model.ts';
import { OrtNetwork } from '../../../src/backend/inference/ort-network.ts';
import { decodeImage } from '../../../src/core/io/decode-image.ts';
import { averagePrecision } from '../../../src/core/masks/average-precision.ts';
import { maxLabel } from '../../../src/core/masks/labels.ts';
import { directDeps } from '../../../src/core/pipeline/direct-masks.ts';
import { segment } from '../../../src/core/pipeline/segment.ts';
import { REAL_MODEL } from './cellpose-fixture.ts';
import { sharedPath } from '../../helpers/shared-data.ts';

// the StarDist sample (CC0, data/stardist-dsb2018-sample-2d/PROVENANCE.md): 512², nuclei of 24 px
const IMG = sharedPath('data/stardist-dsb2018-sample-2d/img2d.tif');

const dir = mkdtempSync(join(tmpdir(), 'int8-net-'));
const model = join(dir, 'cp3_nuclei_dsb2018');
copyFileSync(REAL_MODEL, model);
const svc = createInferenceService({ intraOpThreads: 2 });
afterAll(() => svc.dispose());

const ap50 = (a: Uint32Array, b: Uint32Array): number => averagePrecision([a], [b]).ap[0][0];

describe('int8 fast network', () => {
  it('is built the same way twice, cached beside the float32 graph, and read back from the cache', async () => {
    const m = await loadCellposeModel(model);
    const first = await int8OnnxFor(m);
    expect(first.cachePath).toBe(join(dir, `cp3_nuclei_dsb2018.${basename(m.onnxCachePath as string).split('.')[1]}.${INT8_TAG}.onnx`));
    expect(first.cachePath).toMatch(/cp3_nuclei_dsb2018\.[0-9a-f]{16}\.int8-v2\.onnx$/);
    expect(Buffer.from(readFileSync(first.cachePath as string)).equals(Buffer.from(first.bytes))).toBe(true);
    // deterministic: the calibration images and the code fix the graph
    expect(Buffer.from(await buildInt8Onnx(m)).equals(Buffer.from(first.bytes))).toBe(true);
    const again = await int8OnnxFor(m);
    expect(Buffer.from(again.bytes).equals(Buffer.from(first.bytes))).toBe(true);
    // int8 weights below the first level: less than a third of the float32 graph's bytes
    expect(first.bytes.length).toBeLessThan(m.onnxBytes.length / 3);
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
  }, 120_000);

  it('gives the float32 network masks on a real 512² image in fast mode (AP50 >= 0.98), flows within 1.5 %', async () => {
    const m = await loadCellposeModel(model, { cacheDir: null });
    const f32 = Object.assign(await OrtNetwork.create(m.onnxBytes, m.spec, { intraOpThreads: 2 }), { model: m.info });
    const i8 = Object.assign(await OrtNetwork.create((await int8OnnxFor(m)).bytes, m.spec, { intraOpThreads: 2 }), { model: m.info });
    try {
      const image = await decodeImage(new Uint8Array(readFileSync(IMG)));
      const o = { diameterPx: 24, channels: [0, 0] as [number, number], fast: true };
      const a = await segment(image, o, f32, directDeps);
      const b = await segment(image, o, i8, directDeps);
      const masksA = Uint32Array.from(a.masks);
      const masksB = Uint32Array.from(b.masks);
      expect(maxLabel(masksA)).toBeGreaterThan(50);
      expect(ap50(masksA, masksB)).toBeGreaterThanOrEqual(0.98);
      // dY, dX (x5): mean |difference| small against their mean magnitude (0.0075 measured with the
      // averaged ranges and equalized channels; 0.030 with the extremes over all calibration images)
      let diff = 0;
      let mag = 0;
      for (let i = 0; i < a.dP.length; i++) {
        diff += Math.abs(a.dP[i] - b.dP[i]);
        mag += Math.abs(a.dP[i]);
      }
      expect(diff / mag).toBeLessThan(0.015);
      // but it is a different network: not the float32 one run twice
      expect(diff).toBeGreaterThan(0);
    } finally {
      await f32.release();
      await i8.release();
    }
  }, 120_000);

  it('applies only with an empty second channel', () => {
    expect(int8Applies({})).toBe(true);
    expect(int8Applies({ channels: [2, 0] })).toBe(true);
    expect(int8Applies({ channels: [2, 1] })).toBe(false);
    // gray ignores chan2, so the second channel is empty
    expect(int8Applies({ channels: [0, 1] })).toBe(true);
    expect(int8Applies({ channels: null })).toBe(false);
  });

  it('is what the worker runs for --fast on the CPU (made once, cached), and not for default mode or a second channel', async () => {
    const fresh = mkdtempSync(join(tmpdir(), 'int8-worker-'));
    const m2 = join(fresh, 'model');
    copyFileSync(REAL_MODEL, m2);
    const int8Files = (): string[] => readdirSync(fresh).filter((f) => f.endsWith(`.${INT8_TAG}.onnx`));
    await svc.loadModel(m2);
    expect((await svc.segment(IMG, { diameterPx: 24, fast: false })).int8Network).toBe(false);
    expect((await svc.segment(IMG, { diameterPx: 24, fast: true, channels: [1, 1] })).int8Network).toBe(false);
    expect(int8Files()).toEqual([]);
    const stages = new Set<string>();
    const r = await svc.segment(IMG, { diameterPx: 24, fast: true }, (p) => stages.add(p.stage));
    expect(r.int8Network).toBe(true);
    expect(int8Files()).toHaveLength(1);
    expect([...stages].some((s) => s.includes('int8'))).toBe(true);
    expect(r.warnings.filter((w) => w.includes('int8'))).toEqual([]);
    expect(maxLabel(r.masks)).toBeGreaterThan(50);
    const cached = join(fresh, int8Files()[0]);
    const good = readFileSync(cached);
    // on Cellpose's own 224 px tiles (int8RunOptions), not in one pass over the image
    const m = await loadCellposeModel(m2, { cacheDir: null });
    const i8 = Object.assign(await OrtNetwork.create(new Uint8Array(good), m.spec, { intraOpThreads: 2 }), { model: m.info });
    try {
      const image = await decodeImage(new Uint8Array(readFileSync(IMG)));
      const o = { diameterPx: 24, channels: [0, 0] as [number, number], fast: true };
      const tiled = await segment(image, int8RunOptions(o), i8, directDeps);
      const onePass = await segment(image, o, i8, directDeps);
      const maxDiff = (a: Float32Array, b: Float32Array): number => a.reduce((mx, v, i) => Math.max(mx, Math.abs(v - b[i])), 0);
      expect(maxDiff(r.dP, tiled.dP)).toBeLessThan(1e-4);
      expect(maxDiff(r.dP, onePass.dP)).toBeGreaterThan(1e-2);
    } finally {
      await i8.release();
    }
    // a damaged cache file is made again, and the run still uses int8
    writeFileSync(cached, good.subarray(0, 1000));
    await svc.loadModel(m2);
    expect((await svc.segment(IMG, { diameterPx: 24, fast: true })).int8Network).toBe(true);
    expect(readFileSync(cached).equals(good)).toBe(true);
  }, 240_000);
});
