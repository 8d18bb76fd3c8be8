// Folder listing and previous/next with Cellpose's filter (GUI_AND_FORMATS A.2).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listImagesInFolder, naturalCompare, neighbourImage } from '../../../src/backend/io/folder.ts';
import { tempDir } from '../../core/io/image/helpers.ts';

function folderWith(names: string[]): string {
  const dir = tempDir('folder');
  for (const n of names) writeFileSync(join(dir, n), '');
  return dir;
}

describe('listImagesInFolder', () => {
  it('keeps images of every listed extension in any case, natural order, and drops Cellpose outputs', async () => {
    const dir = folderWith([
      'img10.tif', 'img2.TIF', 'img1.png', 'a.JPEG', 'b.jpg', 'c.tiff', 'd.flex', 'e.dax', 'f.nd2', 'g.nrrd',
      'img1_masks.png', 'img1_cp_masks.png', 'img1_flows.tif', 'img1_flows_0.tif', 'img1_flows_2.tif', 'img1_cellprob.tif',
      'img1_cp_output.png', 'img1_seg.npy', 'notes.txt', 'img1.bmp', '_masks.png',
    ]);
    mkdirSync(join(dir, 'sub.tif'));
    const names = (await listImagesInFolder(dir)).map((p) => p.slice(dir.length + 1));
    expect(names).toEqual(['_masks.png', 'a.JPEG', 'b.jpg', 'c.tiff', 'd.flex', 'e.dax', 'f.nd2', 'g.nrrd', 'img1.png', 'img2.TIF', 'img10.tif']);
  });

  it('natural sort compares digit runs as numbers', () => {
    expect(['x10', 'x9', 'x1', 'x01', 'y'].sort(naturalCompare)).toEqual(['x1', 'x01', 'x9', 'x10', 'y']);
  });
});

describe('neighbourImage', () => {
  const dir = folderWith(['s1.png', 's2.png', 's10.png', 's2_masks.png']);
  it('steps forward and back, wrapping around', async () => {
    expect(await neighbourImage(join(dir, 's2.png'), 1)).toBe(join(dir, 's10.png'));
    expect(await neighbourImage(join(dir, 's10.png'), 1)).toBe(join(dir, 's1.png'));
    expect(await neighbourImage(join(dir, 's1.png'), -1)).toBe(join(dir, 's10.png'));
  });
  it('from a file that is not listed, goes to its sorted neighbours', async () => {
    expect(await neighbourImage(join(dir, 's2_masks.png'), 1)).toBe(join(dir, 's10.png'));
    expect(await neighbourImage(join(dir, 's2_masks.png'), -1)).toBe(join(dir, 's2.png'));
  });
  it('is undefined in a folder without images', async () => {
    expect(await neighbourImage(join(folderWith(['a.txt']), 'a.txt'), 1)).toBeUndefined();
  });
});
