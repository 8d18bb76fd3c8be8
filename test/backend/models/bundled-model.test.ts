// The shipped default model resources/models/cpsd_nuclei_v1: found without any network or models
// folder, and a file Cellpose itself can load, i.e. the same state_dict keys, order, shapes and
// dtypes as a checkpoint saved by Cellpose 3.1.1.3 (fixtures/cellpose/cp3_nuclei_dsb2018).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUNDLED_MODEL_NAME, ModelZoo } from '../../../src/backend/models/model-registry.ts';
import { readTorchStateDict } from '../../../src/core/io/torch-checkpoint.ts';
import { sharedPath } from '../../helpers/shared-data.ts';

const BUNDLED = join(__dirname, '..', '..', '..', 'resources', 'models', BUNDLED_MODEL_NAME);
const CELLPOSE_SAVED = sharedPath('fixtures/cellpose/cp3_nuclei_dsb2018');

describe('bundled default model', () => {
  it('is the default with an empty models folder and no network, diameters as an independent Python reader sees them', async () => {
    const zoo = new ModelZoo({ modelsFolder: mkdtempSync(join(tmpdir(), 'cps-empty-')), baseUrl: 'http://127.0.0.1:9/none', env: {} });
    const m = await zoo.defaultModel();
    expect(m.path).toBe(BUNDLED);
    expect(await zoo.resolveModel('')).toEqual(m);
    // An independent reading with Python's zipfile + pickle + numpy (the file format torch writes).
    const py = execFileSync('/usr/bin/python3', [join(__dirname, 'read_state_dict_scalars.py'), BUNDLED]).toString();
    const [diamMean, diamLabels, nchan] = JSON.parse(py) as [number, number, number];
    expect(diamMean).toBe(17);
    expect(m.diamMeanPx).toBe(diamMean);
    expect(m.diamLabelsPx).toBeCloseTo(diamLabels, 5);
    expect(m.nChannels).toBe(nchan);
    const listed = (await zoo.listModels())[0];
    expect(listed).toMatchObject({ name: BUNDLED_MODEL_NAME, kind: 'bundled', installed: true, nChannels: 2, nOut: 3, diamMean: 17, problem: null });
  });

  it('has exactly the state_dict layout of a checkpoint saved by Cellpose 3.1', () => {
    const ours = readTorchStateDict(new Uint8Array(readFileSync(BUNDLED)));
    const theirs = readTorchStateDict(new Uint8Array(readFileSync(CELLPOSE_SAVED)));
    expect(ours.keys).toEqual(theirs.keys);
    expect(ours.keys.length).toBe(313);
    for (const k of theirs.keys) {
      const a = ours.tensors.get(k);
      const b = theirs.tensors.get(k);
      expect([k, a?.shape, a?.dtype]).toEqual([k, b?.shape, b?.dtype]);
    }
    // float32 storage, no NaN from training
    const w = ours.tensors.get('output.2.weight');
    expect(w?.dtype).toBe('float32');
    let nonFinite = 0;
    for (const t of ours.tensors.values()) {
      if (t.dtype === 'float32') for (const v of t.data as Float32Array) if (!Number.isFinite(v)) nonFinite++;
    }
    expect(nonFinite).toBe(0);
  });
});
