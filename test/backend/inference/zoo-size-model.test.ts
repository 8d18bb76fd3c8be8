// A zoo model in a Cellpose models folder keeps its size model as Cellpose names it
// (size_nucleitorch_0.npy, not <model>_size.npy): `segment --pretrained_model nuclei --diameter 0`
// must find it and estimate the diameter Cellpose estimates. The models folder holds the bundled
// checkpoint and size model under the nuclei names; the reference diameter is what the real
// Cellpose 3.1.1.3 CLI (`python -m cellpose --pretrained_model nuclei --diameter 0`, the same
// folder as CELLPOSE_LOCAL_MODELS_PATH) estimated for img2d.tif with the bundled model of 2026-11-27
// (run 13B): 25.977239243415312 px, 117 masks (parity case size0_img2d).
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureCliIo } from '../../helpers/cli-io.ts';
import { segmentCommand } from '../../../src/cli/commands/segment.ts';
import { FIXTURES } from './cellpose-fixture.ts';
import { segArray } from './cellpose-fixture.ts';
import { PYTHON } from '../../core/model/torch-reference.ts';

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

  it('--pretrained_model nuclei --diameter 0 estimates 25.977 px, as Cellpose 3.1 does', async () => {
    const { io, out, err } = captureCliIo();
    const code = await segmentCommand.run(['--image_path', join(dir, 'img2d.tif'), '--pretrained_model', 'nuclei', '--diameter', '0'], io);
    expect(code).toBe(0);
    expect(err.join('\n')).not.toMatch(/no size model/);
    // the size model's two passes are a stage of their own in the summary, not part of preprocess
    expect(out[0]).toMatch(/^img2d\.tif: 117 masks, diameter 26\.0 px, size model [\d.]+ s, preprocess [\d.]+ s, network/);
    const diameter = segArray(join(dir, 'img2d_seg.npy'), "d['diameter']").data[0];
    expect(Math.abs(diameter - 25.977239243415312)).toBeLessThan(1e-3);
  });

  it('a custom model runs at its diam_labels with --diameter 0 even with a <model>_size.npy beside it, as Cellpose 3.1\'s CLI does', async () => {
    // the bundled checkpoint and size model as a custom model: Cellpose's CLI builds CellposeModel
    // (no size model) for any model other than cyto3, cyto2, cyto and nuclei
    const custom = join(mkdtempSync(join(tmpdir(), 'custom-size-')), 'my_nuclei');
    copyFileSync(BUNDLED, custom);
    copyFileSync(`${BUNDLED}_size.npy`, `${custom}_size.npy`);
    const { io, out, err } = captureCliIo();
    expect(await segmentCommand.run(['--image_path', join(dir, 'img2d.tif'), '--pretrained_model', custom, '--diameter', '0', '--no_npy'], io)).toBe(0);
    expect(err.join('\n')).toMatch(/estimates diameters only with cyto3, cyto2, cyto and nuclei .*: using diam_labels 23\.491 px of my_nuclei/);
    expect(out[0]).toMatch(/^img2d\.tif: \d+ masks, diameter 23\.5 px, preprocess/);
  });

  it('--all_channels is ignored with a built-in model, as Cellpose 3.1 ignores it (parity case allch_nuclei_rgb)', async () => {
    // an RGB image whose channels differ: channels=None would feed R and G to the network, while
    // Cellpose's built-in path keeps --chan 0 (the mean of R, G and B)
    execFileSync(PYTHON, ['-c', `
import numpy as np, tifffile
a = tifffile.imread('${FIXTURES}/cli2d/img2d.tif').astype(np.float32)
rgb = np.stack([a, a[::-1] * 0.5, a[:, ::-1]], -1)
tifffile.imwrite('${join(dir, 'rgb.tif')}', (rgb / rgb.max() * 255).astype(np.uint8), photometric='rgb')
`]);
    const run = async (extra: string[]): Promise<{ line: string; err: string }> => {
      const { io, out, err } = captureCliIo();
      expect(await segmentCommand.run(['--image_path', join(dir, 'rgb.tif'), '--pretrained_model', 'nuclei', '--diameter', '24', '--no_npy', ...extra], io)).toBe(0);
      return { line: out[0].split(',')[0], err: err.join('\n') };
    };
    const all = await run(['--all_channels']);
    expect(all.err).toMatch(/--all_channels is ignored with the built-in model nuclei/);
    expect(all.line).toBe((await run([])).line);
    expect(all.line).not.toBe((await run(['--chan', '1', '--chan2', '2'])).line);
  });
});
