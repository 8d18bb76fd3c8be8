// Where and under which names `cellpose-studio segment` writes its outputs, against what Cellpose
// 3.1.1.3's __main__.py and io.save_masks do (GUI_AND_FORMATS C.3, B.6, B.9): _seg.npy and the ROI
// zip next to the image, the rest in --savedir with the _cp_masks (or --output_name) suffix, the
// flow picture in the numpy-1 uint16 arithmetic, the dP TIFF, the outline picture, --in_folders,
// --exclude_on_edges and the empty-mask rule. Files are read back with numpy, tifffile and Pillow.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { captureCliIo } from '../../helpers/cli-io.ts';
import { segmentCommand } from '../../../src/cli/commands/segment.ts';
import { PYTHON } from '../../core/model/torch-reference.ts';
import { FIXTURES, REAL_MODEL } from './cellpose-fixture.ts';

const py = (code: string): string => execFileSync(PYTHON, ['-c', code], { encoding: 'utf8' }).trim();

describe('segment CLI outputs, named and placed as Cellpose 3.1 writes them', () => {
  let root = '';
  let images = '';
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'segment-cli-out-'));
    images = join(root, 'images');
    mkdirSync(images);
    copyFileSync(`${FIXTURES}/gui2d/crop2d.tif`, join(images, 'crop2d.tif'));
  });

  it('_seg.npy and _rois.zip beside the image; masks, outlines, flows and dP in --savedir', async () => {
    const savedir = join(root, 'out');
    mkdirSync(savedir);
    const c = captureCliIo();
    const args = ['--dir', images, '--pretrained_model', REAL_MODEL, '--diameter', '24', '--savedir', savedir];
    const code = await segmentCommand.run([...args, '--save_png', '--save_flows', '--save_txt', '--save_outlines', '--save_rois'], c.io);
    expect(c.err.filter((l) => l.includes('error'))).toEqual([]);
    expect(code).toBe(0);
    expect(readdirSync(images).sort()).toEqual(['crop2d.tif', 'crop2d_rois.zip', 'crop2d_seg.npy']);
    expect(readdirSync(savedir).sort()).toEqual(['crop2d_cp_masks.png', 'crop2d_cp_outlines.txt', 'crop2d_dP_cp_masks.tif', 'crop2d_flows_cp_masks.tif', 'crop2d_outlines_cp_masks.png']);
    const check = py(`
import numpy as np, tifffile
from PIL import Image
S, I = ${JSON.stringify(savedir)}, ${JSON.stringify(images)}
seg = np.load(I + '/crop2d_seg.npy', allow_pickle=True).item()
m = seg['masks']
png = np.array(Image.open(S + '/crop2d_cp_masks.png'))
dP = tifffile.imread(S + '/crop2d_dP_cp_masks.tif')
fl = tifffile.imread(S + '/crop2d_flows_cp_masks.tif')
# io.save_masks: (flows[0] * (2**16 - 1)).astype(np.uint16) of the uint8 flow picture
want_fl = (seg['flows'][0][0] * (2**16 - 1)).astype(np.uint16)
pic = np.array(Image.open(S + '/crop2d_outlines_cp_masks.png').convert('RGB'))
red = (pic[..., 0] == 255) & (pic[..., 1] == 0) & (pic[..., 2] == 0)
# the gray picture of io.save_masks + plot.image_to_rgb (channels [0, 0]) away from the outlines
def n99(x):
    x = x.astype(np.float32)
    lo, hi = np.percentile(x, 1), np.percentile(x, 99)
    return (x - lo) / (hi - lo) if hi - lo > 1e-3 else np.zeros_like(x)
img = tifffile.imread(I + '/crop2d.tif')
g = np.uint8(np.clip(n99(n99(img)), 0, 1) * 255)
gray_ok = np.abs(pic[..., 0][~red].astype(int) - g[~red]).max() <= 1 and (pic[..., 1][~red] == pic[..., 0][~red]).all()
png_bits = open(S + '/crop2d_cp_masks.png', 'rb').read()[24]  # IHDR bit depth
print(int(m.max()), png_bits, bool((png == m).all()), dP.dtype, dP.shape, float(np.abs(dP - seg['flows'][4][:2]).max()),
      fl.dtype, fl.shape, bool((fl == want_fl).all()), bool((red == (seg['outlines'] > 0)).all()), bool(gray_ok))
`).split(' ');
    expect(Number(check[0])).toBeGreaterThan(10);
    expect(check.slice(1, 3)).toEqual(['16', 'True']);
    expect(check[3]).toBe('float32');
    expect(check[4] + check[5] + check[6]).toMatch(/^\(2,256,256\)$/);
    expect(Number(check[7])).toBe(0);
    expect(check.slice(8)).toEqual(['uint16', '(256,', '256,', '3)', 'True', 'True', 'True']);
  });

  it('--output_name, --in_folders and --exclude_on_edges; --no_npy writes no _seg.npy', async () => {
    const savedir = join(root, 'out2');
    mkdirSync(savedir);
    const c = captureCliIo();
    const code = await segmentCommand.run(
      ['--image_path', join(images, 'crop2d.tif'), '--pretrained_model', REAL_MODEL, '--diameter', '24', '--savedir', savedir, '--in_folders', '--save_tif', '--save_txt', '--output_name', '_mine', '--exclude_on_edges', '--no_npy'],
      c.io,
    );
    expect(code).toBe(0);
    expect(readdirSync(savedir).sort()).toEqual(['masks', 'txt_outlines']);
    expect(readdirSync(join(savedir, 'masks'))).toEqual(['crop2d_mine.tif']);
    expect(readdirSync(join(savedir, 'txt_outlines'))).toEqual(['crop2d_cp_outlines.txt']);
    expect(existsSync(join(savedir, 'crop2d_seg.npy'))).toBe(false);
    const check = py(`
import numpy as np, tifffile
from scipy.ndimage import find_objects
m = tifffile.imread(${JSON.stringify(join(savedir, 'masks', 'crop2d_mine.tif'))})
full = np.load(${JSON.stringify(join(images, 'crop2d_seg.npy'))}, allow_pickle=True).item()['masks']
# utils.remove_edge_masks on the full masks, then np.unique's inverse
keep = full.copy()
for i, s in enumerate(find_objects(keep.astype(int))):
    if s is not None and any(d.start == 0 or d.stop == keep.shape[k] for k, d in enumerate(s)):
        keep[s][keep[s] == i + 1] = 0
_, want = np.unique(keep, return_inverse=True)
print(m.dtype, bool((m == want.reshape(m.shape)).all()), int(m.max()), int(full.max()))
`).split(' ');
    expect(check[0]).toBe('int32');
    expect(check[1]).toBe('True');
    expect(Number(check[2])).toBeGreaterThan(0);
    expect(Number(check[2])).toBeLessThan(Number(check[3]));
    expect(c.out[0]).toMatch(new RegExp(`^crop2d\\.tif: ${check[2]} masks`));
  });

  it('no masks: a warning and no PNG, outlines or flows (a TIFF only with --save_tif)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'segment-cli-empty-'));
    py(`import numpy as np, tifffile; tifffile.imwrite(${JSON.stringify(join(dir, 'blank.tif'))}, np.zeros((64, 64), np.uint16))`);
    const c = captureCliIo();
    const base = ['--image_path', join(dir, 'blank.tif'), '--pretrained_model', REAL_MODEL, '--no_npy'];
    expect(await segmentCommand.run([...base, '--save_png', '--save_txt', '--save_flows'], c.io)).toBe(0);
    expect(c.err.join('\n')).toMatch(/blank\.tif: no masks found, will not save PNG or outlines/);
    expect(readdirSync(dir)).toEqual(['blank.tif']);
    expect(await segmentCommand.run([...base, '--save_png', '--save_tif', '--save_txt'], c.io)).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(['blank.tif', 'blank_cp_masks.tif']);
  });
});
