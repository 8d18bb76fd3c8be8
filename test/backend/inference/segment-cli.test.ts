// `cellpose-studio segment` end to end on a real image with the real checkpoint: Cellpose flag
// names (underscore and kebab), the CLI _seg.npy layout read back with numpy, optional outputs,
// and clear errors for bad flags.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { captureCliIo } from '../../helpers/cli-io.ts';
import { listImages, segmentCommand, optionsFromArgs, parseSegmentArgs } from '../../../src/cli/commands/segment.ts';
import { PYTHON } from '../../core/model/torch-reference.ts';
import { FIXTURES, REAL_MODEL } from './cellpose-fixture.ts';

describe('segment CLI', () => {
  it('parses Cellpose flag spellings into engine options', () => {
    const o = optionsFromArgs(parseSegmentArgs(['--image_path', 'x.tif', '--flow-threshold', '0.6', '--cellprob_threshold=-1', '--chan', '2', '--chan2', '3', '--do_3D', '--no_resample', '--niter', '50']));
    expect(o).toMatchObject({ flowThreshold: 0.6, cellprobThreshold: -1, channels: [2, 3], do3D: true, resample: false, niter: 50, diameterPx: 30 });
    expect(optionsFromArgs(parseSegmentArgs(['--no_norm'])).normalize).toMatchObject({ normalize: false, percentile: [1, 99] });
    expect(optionsFromArgs(parseSegmentArgs(['--no_norm', '--norm_percentile', '2', '98'])).normalize).toMatchObject({ normalize: true, percentile: [2, 98] });
    expect(optionsFromArgs(parseSegmentArgs(['--no_interp', '--exclude_on_edges'])).interp).toBe(false);
    // Cellpose 3.1 drops --invert when --norm_percentile makes normalize a dict (parity case invert_pct)
    expect(optionsFromArgs(parseSegmentArgs(['--invert'])).normalize).toMatchObject({ invert: true });
    expect(optionsFromArgs(parseSegmentArgs(['--invert', '--norm_percentile', '2', '98'])).normalize).toMatchObject({ invert: false, percentile: [2, 98] });
    expect(() => parseSegmentArgs(['--flow_treshold', '1'])).toThrow(/unknown option '--flow_treshold'/);
    expect(() => optionsFromArgs(parseSegmentArgs(['--diameter', 'abc']))).toThrow(/--diameter must be a number/);
  });

  it('--channel_axis -1 on a 2-D image is ignored with a warning, as by Cellpose: the same 105 masks as its cli2d run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'segment-cli-axis-'));
    copyFileSync(`${FIXTURES}/cli2d/img2d.tif`, join(dir, 'img2d.tif'));
    const c = captureCliIo();
    const code = await segmentCommand.run(['--image_path', join(dir, 'img2d.tif'), '--pretrained_model', REAL_MODEL, '--diameter', '24', '--channel_axis', '-1'], c.io);
    expect(code).toBe(0);
    expect(c.err.join('\n')).toMatch(/img2d\.tif: image is 2-D \(512 x 512\): the channel axis -1 given is ignored/);
    expect(c.out[0]).toMatch(/^img2d\.tif: 105 masks, diameter 24\.0 px/);
    const same = execFileSync(PYTHON, ['-c', `
import numpy as np
a = np.load('${join(dir, 'img2d_seg.npy')}', allow_pickle=True).item()
b = np.load('${FIXTURES}/cli2d/img2d_seg.npy', allow_pickle=True).item()
print((a['masks'] == b['masks']).all())
`]).toString().trim();
    expect(same).toBe('True');
  });

  it('writes <stem>_seg.npy in the CLI layout with the same masks as Cellpose 3.1 (cli2d, diameter 24)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'segment-cli-'));
    copyFileSync(`${FIXTURES}/cli2d/img2d.tif`, join(dir, 'img2d.tif'));
    copyFileSync(REAL_MODEL, join(dir, 'model'));
    const c = captureCliIo();
    const code = await segmentCommand.run(['--dir', dir, '--pretrained-model', join(dir, 'model'), '--diameter', '24', '--save_png', '--save_txt'], c.io);
    expect(c.err.filter((l) => l.includes('error'))).toEqual([]);
    expect(code).toBe(0);
    expect(c.out[0]).toMatch(/^img2d\.tif: 105 masks, diameter 24\.0 px, preprocess [\d.]+ s, network [\d.]+ s, dynamics [\d.]+ s/);
    expect(existsSync(join(dir, 'img2d_cp_masks.png'))).toBe(true);
    expect(existsSync(join(dir, 'img2d_cp_outlines.txt'))).toBe(true);
    const check = execFileSync(PYTHON, ['-c', `
import numpy as np
a = np.load('${join(dir, 'img2d_seg.npy')}', allow_pickle=True).item()
b = np.load('${FIXTURES}/cli2d/img2d_seg.npy', allow_pickle=True).item()
print(sorted(a) == sorted(b), a['masks'].dtype, (a['masks'] == b['masks']).mean(), float(np.abs(a['flows'][4] - b['flows'][4]).max()))
`]).toString().trim().split(' ');
    expect(check[0]).toBe('True');
    expect(check[1]).toBe('uint16');
    expect(Number(check[2])).toBeGreaterThan(0.99);
    expect(Number(check[3])).toBeLessThan(1e-3);
  });

  it('--dir lists images as Cellpose does: outputs and --mask_filter left out, --img_filter, --look_one_level_down', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'segment-cli-list-'));
    mkdirSync(join(dir, 'sub'));
    const names = ['img10.tif', 'img2.tif', 'img2_masks.png', 'img2_cp_masks.png', 'img2_flows_cp_masks.tif', 'img2_dP_cp_masks.tif', 'img2_cellprob.tif', 'img2_lbl.tif', 'notes.txt', 'img3_seg.npy'];
    for (const n of names) writeFileSync(join(dir, n), '');
    writeFileSync(join(dir, 'sub', 'deep1.tif'), '');
    const rel = (paths: string[]): string[] => paths.map((p) => p.slice(dir.length + 1));
    expect(rel(await listImages(dir, parseSegmentArgs([])))).toEqual(['img2.tif', 'img2_lbl.tif', 'img10.tif']);
    expect(rel(await listImages(dir, parseSegmentArgs(['--mask_filter', '_lbl'])))).toEqual(['img2.tif', 'img10.tif']);
    expect(rel(await listImages(dir, parseSegmentArgs(['--img_filter', '_lbl'])))).toEqual(['img2_lbl.tif']);
    expect(rel(await listImages(dir, parseSegmentArgs(['--look_one_level_down'])))).toEqual(['img2.tif', 'img2_lbl.tif', 'img10.tif', 'sub/deep1.tif']);
  });

  it('--all_channels with a custom model: the image\'s channels as they are when their count is the model\'s, else an error, as in Cellpose 3.1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'segment-cli-allch-'));
    copyFileSync(`${FIXTURES}/cli2d/img2d.tif`, join(dir, 'img2d.tif'));
    // (Y, X, 2): the real image and an empty second channel, what this gray-trained model expects
    execFileSync(PYTHON, ['-c', `
import numpy as np, tifffile
a = tifffile.imread('${FIXTURES}/cli2d/img2d.tif')
tifffile.imwrite('${join(dir, 'yx2.tif')}', np.stack([a, np.zeros_like(a)], -1))
`]);
    const run = async (extra: string[]): Promise<string> => {
      const c = captureCliIo();
      expect(await segmentCommand.run(['--image_path', join(dir, 'yx2.tif'), '--pretrained_model', REAL_MODEL, '--diameter', '24', '--no_npy', ...extra], c.io)).toBe(0);
      return c.out[0].split(',')[0];
    };
    // channels=None takes both channels as they are: the same input as --chan 1 (first) with no chan2
    const all = await run(['--all_channels']);
    expect(all).toMatch(/^yx2\.tif: \d+ masks/);
    expect(all).toBe(await run(['--chan', '1']));
    // a gray image counts as 1 channel and the checkpoint takes 2: Cellpose 3.1 fails to load the
    // model (a size mismatch); ours says so before running (parity case allch_gray)
    const c = captureCliIo();
    await expect(segmentCommand.run(['--image_path', join(dir, 'img2d.tif'), '--pretrained_model', REAL_MODEL, '--all_channels'], c.io)).rejects.toThrow(
      /--all_channels: .*img2d\.tif \(shape 512x512\) counts as 1 channel .* but model cp3_nuclei_dsb2018 takes 2/,
    );
    // (checked by the worker on the image it decoded for the run, before anything is written)
    expect(existsSync(join(dir, 'img2d_seg.npy'))).toBe(false);
  });

  it('an image with NaN or infinite pixels, a missing file, a folder: an error naming the file and the problem, no output, and the next image still runs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'segment-cli-nonfinite-'));
    execFileSync(PYTHON, ['-c', `
import numpy as np, tifffile
a = tifffile.imread('${FIXTURES}/cli2d/img2d.tif').astype(np.float32)
b = a.copy(); b[10:20, 10:20] = np.nan; tifffile.imwrite('${join(dir, 'a_nan.tif')}', b)
c = a.copy(); c[5, 7] = -np.inf; tifffile.imwrite('${join(dir, 'b_inf.tif')}', c)
tifffile.imwrite('${join(dir, 'c_ok.tif')}', a[:128, :128])
`]);
    const c = captureCliIo();
    expect(await segmentCommand.run(['--dir', dir, '--pretrained_model', REAL_MODEL, '--diameter', '24'], c.io)).not.toBe(0);
    expect(c.err.join('\n')).toContain(`${join(dir, 'a_nan.tif')}: error: image contains NaN values`);
    expect(c.err.join('\n')).toContain(`${join(dir, 'b_inf.tif')}: error: image contains infinite values (-inf at pixel ${5 * 512 + 7})`);
    expect(existsSync(join(dir, 'a_nan_seg.npy'))).toBe(false);
    expect(existsSync(join(dir, 'b_inf_seg.npy'))).toBe(false);
    expect(c.out.join('\n')).toMatch(/c_ok\.tif: \d+ masks/);
    expect(existsSync(join(dir, 'c_ok_seg.npy'))).toBe(true);
    // a missing file and a folder given as --image_path: the same kind of line, without Node's codes
    for (const [name, why] of [['gone.tif', 'file not found'], ['folder.tif', 'is a folder, not an image file']]) {
      if (name === 'folder.tif') mkdirSync(join(dir, name));
      const e = captureCliIo();
      expect(await segmentCommand.run(['--image_path', join(dir, name), '--pretrained_model', REAL_MODEL, '--diameter', '24'], e.io)).not.toBe(0);
      expect(e.err).toContain(`${join(dir, name)}: error: ${why}`);
    }
  });

  it('fails with a message naming the problem for bad arguments and Cellpose flags it does not do', async () => {
    const c = captureCliIo();
    await expect(segmentCommand.run(['--image_path'], c.io)).rejects.toThrow(/--image_path needs a value/);
    await expect(segmentCommand.run(['--pretrained_model', REAL_MODEL], c.io)).rejects.toThrow(/give --image_path FILE or --dir DIR/);
    await expect(segmentCommand.run(['--image_path', `${FIXTURES}/cli2d/img2d.tif`, '--savedir', join(tmpdir(), 'no-such-folder-cps'), '--save_png'], c.io)).rejects.toThrow(
      /--savedir .*no-such-folder-cps does not exist/,
    );
    await expect(segmentCommand.run(['--dir', tmpdir(), '--train'], c.io)).rejects.toThrow(/--train is not supported: training runs in Cellpose itself.*--mask_filter _seg\.npy/);
    await expect(segmentCommand.run(['--dir', tmpdir(), '--restore_type', 'denoise_cyto3'], c.io)).rejects.toThrow(/--restore_type is not supported: image restoration/);
  });
});
