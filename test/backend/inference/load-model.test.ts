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
