// A zoo model in a Cellpose models folder keeps its size model as Cellpose names it
// (size_nucleitorch_0.npy, not <model>_size.npy): `segment --pretrained_model nuclei --diameter 0`
// must find it and estimate the diameter Cellpose estimates. The models folder holds the bundled
// checkpoint and size model under the nuclei names; the reference diameter is what the real
// Cellpose 3.1.1.3 CLI (`python -m cellpose --pretrained_model nuclei --diameter 0`, the same
// folder as CELLPOSE_LOCAL_MODELS_PATH) estimated for img2d.tif: 25.706238744770385 px.
import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureCliIo } from '../../helpers/cli-io.ts';
import { segmentCommand } from '../../../src/cli/commands/segment.ts';
import { FIXTURES } from './cellpose-fixture.ts';
import { segArray } from './cellpose-fixture.ts';

const BUNDLED = join(import.meta.dirname, '..', '..', '..', 'resources', 'models', 'cpsd_nuclei_v1');

describe('zoo size model found under Cellpose file names', () => {
  const saved = process.env.CELLPOSE_LOCAL_MODELS_PATH;
  let dir = '';
  beforeAll(() => {
    const models = mkdtempSync(join(tmpdir(), 'zoo-size-models-'));
    copyFileSync(BUNDLED, join(models, 'nucleitorch_0'));
    copyFileSync(`${BUNDLED}_size.npy`, join(models, 'size_nucleitorch_0.npy'));
    process.env.CELLPOSE_LOCAL_MODELS_PATH = models;
    dir = mkdtempSync(join(tmpdir(), 'zoo-size-img-'));
    copyFileSync(`${FIXTURES}/cli2d/img2d.tif`, join(dir, 'img2d.tif'));
  });
  afterAll(() => {
    if (saved === undefined) delete process.env.CELLPOSE_LOCAL_MODELS_PATH;
    else process.env.CELLPOSE_LOCAL_MODELS_PATH = saved;
  });

  it('--pretrained_model nuclei --diameter 0 estimates 25.706 px, as Cellpose 3.1 does', async () => {
    const { io, out, err } = captureCliIo();
    const code = await segmentCommand.run(['--image_path', join(dir, 'img2d.tif'), '--pretrained_model', 'nuclei', '--diameter', '0'], io);
    expect(code).toBe(0);
    expect(err.join('\n')).not.toMatch(/no size model/);
    // the size model's two passes are a stage of their own in the summary, not part of preprocess
    expect(out[0]).toMatch(/^img2d\.tif: 115 masks, diameter 25\.7 px, size model [\d.]+ s, preprocess [\d.]+ s, network/);
    const diameter = segArray(join(dir, 'img2d_seg.npy'), "d['diameter']").data[0];
    expect(Math.abs(diameter - 25.706238744770385)).toBeLessThan(1e-3);
  });
});
