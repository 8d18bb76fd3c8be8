import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSizeModel } from '../../../../src/core/model/size-model-file.ts';
import { runPython } from '../pickle/python.ts';

describe('readSizeModel', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sizemodel-'));
  // Saved the way Cellpose's SizeModel.train does: np.save(path, {'A', 'smean', 'diam_mean', 'ymean'}).
  const expected = JSON.parse(
    runPython(`
import numpy as np, json
rng = np.random.default_rng(5)
A = rng.standard_normal(256)
smean = rng.standard_normal(256).astype(np.float32)
ymean = np.float64(np.log(17.0) - 0.25)
np.save(${JSON.stringify(join(dir, 'size_model.npy'))}, {'A': A, 'smean': smean, 'diam_mean': 17.0, 'ymean': ymean})
np.save(${JSON.stringify(join(dir, 'bad.npy'))}, {'A': A, 'smean': smean[:10], 'diam_mean': 17.0, 'ymean': 1.0})
print(json.dumps({'A': A.tolist(), 'smean': smean.astype(float).tolist(), 'ymean': float(ymean)}))
`),
  ) as { A: number[]; smean: number[]; ymean: number };

  it('reads A (float64), smean (float32), diam_mean and a numpy-scalar ymean exactly', () => {
    const m = readSizeModel(new Uint8Array(readFileSync(join(dir, 'size_model.npy'))));
    expect(Array.from(m.A)).toEqual(expected.A);
    expect(Array.from(m.smean)).toEqual(expected.smean);
    expect(m.diamMean).toBe(17);
    expect(m.ymean).toBe(expected.ymean);
  });

  it('names the inconsistency in a damaged file', () => {
    expect(() => readSizeModel(new Uint8Array(readFileSync(join(dir, 'bad.npy'))))).toThrow("'A' has 256 values but 'smean' 10");
  });
});
