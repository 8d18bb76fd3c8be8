// loadCellposeModel with its .onnx cache: the first load converts and writes the graph, a second
// load reads only the checkpoint's tensor headers and the cached graph, and both describe the model
// the same way. Damaged files are refused on either path with the file's name.
import { copyFileSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCellposeModel } from '../../../src/backend/inference/load-model.ts';
import { REAL_MODEL } from './cellpose-fixture.ts';

describe('loadCellposeModel and its ONNX cache', () => {
  it('converts once, then loads from the cache with the same spec, diameters and graph', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cps-load-'));
    const model = join(dir, 'cp3_nuclei_dsb2018');
    copyFileSync(REAL_MODEL, model);
    const cold = await loadCellposeModel(model);
    expect(cold.onnxCachePath).toMatch(/cp3_nuclei_dsb2018\.[0-9a-f]{16}\.onnx$/);
    expect(readdirSync(dir).sort()).toEqual(['cp3_nuclei_dsb2018', cold.onnxCachePath!.split('/').pop()]);
    const warm = await loadCellposeModel(model);
    expect(warm.onnxCachePath).toBe(cold.onnxCachePath);
    expect(warm.spec).toEqual(cold.spec);
    expect(warm.info).toEqual(cold.info);
    expect(cold.spec.nbase).toEqual([2, 32, 64, 128, 256]);
    expect(cold.info.diamMeanPx).toBe(17);
    expect(Buffer.compare(Buffer.from(warm.onnxBytes), Buffer.from(cold.onnxBytes))).toBe(0);
  });

  it('takes diam_mean as Cellpose 3.1 does: fixed by a zoo name (30, nuclei 17), else from the file', async () => {
    // the fixture's file says diam_mean 17; parity cases zoo_tn_* (saved as tissuenet_cp3, Cellpose ran it at 30)
    const dir = mkdtempSync(join(tmpdir(), 'cps-load-diam-'));
    const at = (name: string): string => {
      copyFileSync(REAL_MODEL, join(dir, name));
      return join(dir, name);
    };
    const diam = async (path: string, builtinName?: string): Promise<number> => (await loadCellposeModel(path, { builtinName, cacheDir: null })).info.diamMeanPx;
    expect(await diam(at('tissuenet_cp3'), 'tissuenet_cp3')).toBe(30);
    expect(await diam(at('cyto3'), 'cyto3')).toBe(30);
    expect(await diam(at('CPx'), 'CPx')).toBe(30);
    expect(await diam(at('nucleitorch_0'), 'nuclei')).toBe(17);
    // a path is not a zoo name, even when it is called like one; one ending in nucleitorch_0 is nuclei
    expect(await diam(at('cyto'))).toBe(17);
    expect(await diam(at('my_nucleitorch_0'))).toBe(17);
    expect(await diam(at('tissuenet_cp3'))).toBe(17);
  });

  it('refuses a truncated checkpoint and a non-checkpoint with the file name, cache or not', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cps-load-bad-'));
    const good = join(dir, 'm');
    copyFileSync(REAL_MODEL, good);
    await loadCellposeModel(good);
    // cut the file: the ZIP's central directory (at the end) goes, so the bytes and their hash
    // change and no cache applies; the header read refuses it before any conversion
    const bytes = readFileSync(good);
    writeFileSync(good, bytes.subarray(0, bytes.length - 100));
    await expect(loadCellposeModel(good)).rejects.toThrow(/m: .*zip/);
    writeFileSync(good, 'not a model');
    await expect(loadCellposeModel(good)).rejects.toThrow(/m: not a PyTorch checkpoint \(no ZIP signature\)/);
  });
});
