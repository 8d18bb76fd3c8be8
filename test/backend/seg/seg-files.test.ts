import { copyFileSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { captureCliIo } from '../../helpers/cli-io.ts';
import { exportSegOutputs } from '../../../src/backend/seg/seg-exports.ts';
import { loadSeg, saveSeg, segPathForImage, stemOfSeg } from '../../../src/backend/seg/seg-files.ts';
import { exportCommand } from '../../../src/cli/commands/export.ts';
import { segInfoCommand } from '../../../src/cli/commands/seg-info.ts';
import { runPython } from '../../core/io/pickle/python.ts';
import { sharedPath } from '../../helpers/shared-data.ts';

const FIX = sharedPath('fixtures/cellpose');

function fresh(): string {
  return mkdtempSync(join(tmpdir(), 'segbackend-'));
}

describe('loadSeg resolves the image as Cellpose does (A.2)', () => {
  it("finds the CLI file's image from its extension-less stored name", async () => {
    const dir = fresh();
    copyFileSync(`${FIX}/cli2d/img2d_seg.npy`, join(dir, 'img2d_seg.npy'));
    copyFileSync(`${FIX}/cli2d/img2d.tif`, join(dir, 'img2d.tif'));
    const loaded = await loadSeg(join(dir, 'img2d_seg.npy'));
    expect(loaded.imagePath).toBe(join(dir, 'img2d.tif'));
    expect(loaded.seg.nMasks).toBe(105);
  });

  it("uses the stored file name's base name next to the seg (GUI file stores 'crop2d.tif')", async () => {
    const loaded = await loadSeg(`${FIX}/gui2d/crop2d_seg.npy`);
    expect(loaded.imagePath).toBe(`${FIX}/gui2d/crop2d.tif`);
    expect(loaded.embeddedImage).toBeNull();
  });

  it('names the file and the problem when no image can be found or the file is corrupt', async () => {
    const dir = fresh();
    copyFileSync(`${FIX}/gui2d/crop2d_seg.npy`, join(dir, 'other_seg.npy'));
    await expect(loadSeg(join(dir, 'other_seg.npy'))).rejects.toThrow(/other_seg\.npy: no image file found \(stored filename 'crop2d\.tif'/);
    const bytes = readFileSync(`${FIX}/gui2d/crop2d_seg.npy`);
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(dir, 'cut_seg.npy'), bytes.subarray(0, 5000));
    await expect(loadSeg(join(dir, 'cut_seg.npy'))).rejects.toThrow(/cut_seg\.npy: pickle: truncated/);
  });

  it('names files like Cellpose', () => {
    expect(segPathForImage('/a/b/img.tif')).toBe('/a/b/img_seg.npy');
    expect(stemOfSeg('/a/b/img_seg.npy')).toBe('img');
  });
});

describe('saveSeg', () => {
  it('writes atomically (no temp files left) a file numpy loads, replacing an older one', async () => {
    const dir = fresh();
    const { seg } = await loadSeg(`${FIX}/gui2d/crop2d_seg.npy`);
    const path = join(dir, 'crop2d_seg.npy');
    await saveSeg(path, { ...seg, masks: { ...seg.masks, data: new Uint16Array(seg.masks.data.length) } }, 'cli');
    await saveSeg(path, seg, 'gui');
    expect(readdirSync(dir)).toEqual(['crop2d_seg.npy']);
    const out = runPython(`
import numpy as np
d = np.load(${JSON.stringify(path)}, allow_pickle=True).item()
print(int(d['masks'].max()), d['colors'].shape, d['filename'], d['model_path'], len(d['flows']))
`);
    expect(out.trim()).toBe('28 (28, 3) crop2d.tif oracle_nuclei 5');
  });
});

describe('exports and the CLI', () => {
  it('export writes masks PNG/TIF, outlines, ROIs that Python reads back as the masks', async () => {
    const dir = fresh();
    const { io, out } = captureCliIo();
    const code = await exportCommand.run([`${FIX}/gui2d/crop2d_seg.npy`, '--png', '--tif', '--txt', '--rois', '--savedir', dir], io);
    expect(code).toBe(0);
    expect(out.length).toBe(4);
    expect(readdirSync(dir).sort()).toEqual(['crop2d_cp_masks.png', 'crop2d_cp_masks.tif', 'crop2d_cp_outlines.txt', 'crop2d_rois.zip']);
    const check = runPython(`
import numpy as np, tifffile, zipfile
from PIL import Image
m = np.load('${FIX}/gui2d/crop2d_seg.npy', allow_pickle=True).item()['masks']
png = np.array(Image.open('${dir}/crop2d_cp_masks.png'))
tif = tifffile.imread('${dir}/crop2d_cp_masks.tif')
lines = open('${dir}/crop2d_cp_outlines.txt').read().split('\\n')
names = zipfile.ZipFile('${dir}/crop2d_rois.zip').namelist()
ihdr = open('${dir}/crop2d_cp_masks.png', 'rb').read()[24:26]  # bit depth, colour type
print(ihdr[0], ihdr[1], (png == m).all(), tif.dtype, (tif == m).all(), len(lines) - 1, names[0], names[-1], len(names))
`);
    expect(check.trim()).toBe('16 0 True uint16 True 28 1.roi 28.roi 28'); // 16-bit greyscale PNG
  });

  it('export --flows writes the flow TIFFs with the stored pictures and raw dP; 3-D text outlines are refused', async () => {
    const dir = fresh();
    const { seg } = await loadSeg(`${FIX}/cli3d/stack3d_seg.npy`);
    const written = await exportSegOutputs(seg, dir, 'stack3d', { flows: true, png: true });
    expect(written.map((w) => w.path.slice(dir.length + 1))).toEqual([
      'stack3d_cp_masks.tif', // 3-D masks: TIFF even when PNG is asked
      'stack3d_cp_cellprob.tif',
      'stack3d_cp_flows_0.tif',
      'stack3d_cp_flows_1.tif',
      'stack3d_cp_flows_2.tif',
      'stack3d_cp_flows.tif',
    ]);
    const check = runPython(`
import numpy as np, tifffile
d = np.load('${FIX}/cli3d/stack3d_seg.npy', allow_pickle=True).item()
f = d['flows']
r = lambda n: tifffile.imread('${dir}/stack3d_' + n + '.tif')
print((r('cp_masks') == d['masks']).all(), (r('cp_cellprob') == f[1]).all(), all((r('cp_flows_%d' % c) == f[0][..., c]).all() for c in range(3)),
      (r('cp_flows').reshape(3, *d['masks'].shape) == f[4][:3]).all())
`);
    expect(check.trim()).toBe('True True True True');
    await expect(exportSegOutputs(seg, dir, 'stack3d', { txt: true })).rejects.toThrow(/2-D only/);
  });

  it('seg-info reports layout, mask count, image and every key', async () => {
    const { io, out } = captureCliIo();
    expect(await segInfoCommand.run([`${FIX}/cli3d/stack3d_seg.npy`, '--json'], io)).toBe(0);
    const info = JSON.parse(out[0]) as { layout: string; masks: number; is3D: boolean; keys: string[]; values: Record<string, string>; image: string };
    expect(info.layout).toBe('cli');
    expect(info.masks).toBe(7);
    expect(info.is3D).toBe(true);
    expect(info.image).toBe(`${FIX}/cli3d/stack3d.tif`);
    expect(info.keys).toEqual(['outlines', 'masks', 'chan_choose', 'ismanual', 'filename', 'flows', 'diameter']);
    expect(info.values.masks).toBe('ndarray uint16 (16, 96, 96)');
    const bad = captureCliIo();
    expect(await exportCommand.run([`${FIX}/cli3d/stack3d_seg.npy`], bad.io)).toBe(1);
    expect(bad.err[0]).toMatch(/choose at least one output/);
  });
});
