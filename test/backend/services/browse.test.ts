// browse and neighbourImage: Cellpose's folder filter and order, the browse root, bad input.
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createBackend, type BackendHandle } from '../../../src/backend/services/backend.ts';

describe('browse / neighbourImage', () => {
  let dir: string;
  let backend: BackendHandle;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'cps-browse-'));
    for (const f of ['img10.tif', 'img2.tif', 'img1.PNG', 'img1_masks.tif', 'img1_cp_masks.png', 'img1_seg.npy', 'notes.txt']) {
      writeFileSync(path.join(dir, f), 'x');
    }
    mkdirSync(path.join(dir, 'sub'));
    mkdirSync(path.join(dir, 'A folder'));
    writeFileSync(path.join(dir, 'A folder', '.hidden.tif'), 'x');
    symlinkSync(path.join(dir, 'sub'), path.join(dir, 'link-to-sub'));
    backend = createBackend({ homeDir: mkdtempSync(path.join(tmpdir(), 'cps-home-')), browseRoot: dir });
  });

  it('lists folders first, then images with Cellpose\'s filter, in natural order', async () => {
    const r = await backend.browse({ path: dir });
    expect(r.path).toBe(dir);
    expect(r.parent).toBeNull(); // the browse root is the top
    expect(r.entries).toEqual([
      { name: 'A folder', isDir: true },
      { name: 'link-to-sub', isDir: true },
      { name: 'sub', isDir: true },
      { name: 'img1.PNG', isDir: false },
      { name: 'img2.tif', isDir: false },
      { name: 'img10.tif', isDir: false },
    ]);
    expect((await backend.browse({ path: path.join(dir, 'A folder') })).entries).toEqual([]);
  });

  it('offers _seg.npy and mask files through their filters', async () => {
    const seg = await backend.browse({ path: dir, filter: 'seg' });
    expect(seg.entries.filter((e) => !e.isDir).map((e) => e.name)).toEqual(['img1_seg.npy']);
    const masks = await backend.browse({ path: dir, filter: 'masks' });
    expect(masks.entries.filter((e) => !e.isDir).map((e) => e.name)).toEqual(['img1.PNG', 'img1_cp_masks.png', 'img1_masks.tif', 'img2.tif', 'img10.tif']);
    await expect(backend.browse({ path: dir, filter: 'exe' as never })).rejects.toThrow(/unknown filter/);
  });

  it('starts at the root, clamps paths outside it, and lists the folder of a file path', async () => {
    expect((await backend.browse({})).path).toBe(dir);
    expect((await backend.browse({ path: '/etc' })).path).toBe(dir);
    const sub = await backend.browse({ path: path.join(dir, 'sub') });
    expect(sub.parent).toBe(dir);
    expect((await backend.browse({ path: path.join(dir, 'img2.tif') })).path).toBe(dir);
    await expect(backend.browse({ path: path.join(dir, 'missing') })).rejects.toThrow(path.join(dir, 'missing'));
  });

  it('steps to the next and previous image in Cellpose\'s order, wrapping around', async () => {
    const at = (f: string) => path.join(dir, f);
    expect(await backend.neighbourImage({ path: at('img2.tif'), step: 1 })).toEqual({ path: at('img10.tif') });
    expect(await backend.neighbourImage({ path: at('img10.tif'), step: 1 })).toEqual({ path: at('img1.PNG') });
    expect(await backend.neighbourImage({ path: at('img1.PNG'), step: -1 })).toEqual({ path: at('img10.tif') });
    await expect(backend.neighbourImage({ path: at('img2.tif'), step: 2 as 1 })).rejects.toThrow(/"step" must be 1 or -1/);
    await expect(backend.neighbourImage({ path: path.join(dir, 'sub', 'x.tif'), step: 1 })).rejects.toThrow(/no images in this folder/);
  });
});
