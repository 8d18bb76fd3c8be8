// saveSeg / loadSeg / loadMasks / exportResults through createBackend, against files the real
// Cellpose wrote and against numpy reading what we write.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, type BackendHandle } from '../../../src/backend/services/backend.ts';
import { apAt, FIXTURES, segArray } from '../inference/cellpose-fixture.ts';
import { sharedPath } from '../../helpers/shared-data.ts';

const py = (code: string): string => execFileSync('/usr/bin/python3', ['-c', code], { maxBuffer: 64 << 20 }).toString();

describe('seg file services', () => {
  let backend: BackendHandle;
  let work: string;
  beforeAll(() => {
    const home = mkdtempSync(path.join(tmpdir(), 'cps-segf-'));
    work = mkdtempSync(path.join(tmpdir(), 'cps-segw-'));
    backend = createBackend({ homeDir: home });
  });
  afterAll(async () => {
    await backend.dispose();
  });

  it('loadSeg reads the Cellpose GUI file: its image, 28 masks, pictures; no float flows to recompute from', async () => {
    const r = await backend.loadSeg({ path: `${FIXTURES}/gui2d/crop2d_seg.npy` });
    expect(r.imagePath).toBe(`${FIXTURES}/gui2d/crop2d.tif`);
    expect(r.masks.shape).toEqual([1, 256, 256]);
    const ref = segArray(`${FIXTURES}/gui2d/crop2d_seg.npy`, "d['masks']").data;
    expect([...new Uint16Array(r.masks.data)]).toEqual([...ref]);
    expect(r.ismanual).toHaveLength(28);
    expect(r.flowRgb?.shape).toEqual([1, 256, 256, 3]);
    expect(r.diameterPx).toBe(24);
    expect(r.layout).toBe('gui3');
    expect(r.flowsId).toBeNull();
  });

  it('loadSeg of the CLI file keeps its float flows: re-thresholding them reproduces Cellpose\'s masks', async () => {
    const r = await backend.loadSeg({ path: `${FIXTURES}/cli2d/img2d_seg.npy` });
    expect(r.imagePath).toBe(`${FIXTURES}/cli2d/img2d.tif`); // stored as 'img2d', found by extension
    expect(r.flowsId).not.toBeNull();
    expect(r.cellprob?.shape).toEqual([1, 512, 512]);
    // Cellpose's run: diameter 24 with the 17 px model -> niter = trunc(200 / (17 / 24)).
    const again = await backend.recomputeMasks({ flowsId: r.flowsId!, flowThreshold: 0.4, cellprobThreshold: 0, minSize: 15, niter: Math.trunc(200 / (17 / 24)) });
    const ap = apAt(new Uint16Array(r.masks.data), new Uint16Array(again.masks.data));
    expect(ap.nTrue).toBe(105);
    expect(ap.ap50).toBeGreaterThanOrEqual(0.99);
  });

  it('saveSeg writes a GUI _seg.npy next to the image that numpy reads back, flows included', async () => {
    const img = path.join(work, 'img2d.tif');
    copyFileSync(`${FIXTURES}/cli2d/img2d.tif`, img);
    const loaded = await backend.loadSeg({ path: `${FIXTURES}/cli2d/img2d_seg.npy` });
    const saved = await backend.saveSeg({
      imagePath: img,
      masks: loaded.masks,
      ismanual: loaded.ismanual.map((_, i) => i === 0),
      flowsId: loaded.flowsId,
      params: null,
      layout: 'gui',
    });
    expect(saved.path).toBe(path.join(work, 'img2d_seg.npy'));
    const check = JSON.parse(
      py(`
import json, numpy as np
d = np.load(${JSON.stringify(saved.path)}, allow_pickle=True).item()
ref = np.load(${JSON.stringify(`${FIXTURES}/cli2d/img2d_seg.npy`)}, allow_pickle=True).item()
f4 = [f for f in d['flows'] if getattr(f, 'dtype', None) == np.float32]
print(json.dumps({'same_masks': bool((d['masks'] == ref['masks']).all()), 'dtype': str(d['masks'].dtype), 'filename': d['filename'],
  'ismanual': [bool(v) for v in d['ismanual'][:2]], 'n_colors': int(d['colors'].shape[0]), 'diameter': float(d['diameter']),
  'max_flow_diff': float(np.abs(f4[0][:2] - ref['flows'][4][:2]).max()) if f4 else None}))`),
    ) as Record<string, unknown>;
    expect(check).toEqual({ same_masks: true, dtype: 'uint16', filename: img, ismanual: [true, false], n_colors: 105, diameter: 24, max_flow_diff: 0 });
    // And our own reader takes it back, flows and all.
    const back = await backend.loadSeg({ path: saved.path });
    expect(back.imagePath).toBe(img);
    expect(back.flowsId).not.toBeNull();
  });

  it('saveSeg records the panel settings as Cellpose\'s GUI does; a diameter of 0 keeps the run\'s; bad settings still save; loadSeg gives channels and percentiles back', async () => {
    const img = path.join(work, 'img2d.tif');
    copyFileSync(`${FIXTURES}/cli2d/img2d.tif`, img);
    const loaded = await backend.loadSeg({ path: `${FIXTURES}/cli2d/img2d_seg.npy` });
    const params = {
      model: 'cp3_nuclei_dsb2018', diameterPx: 0, chan: 2, chan2: 1, flowThreshold: 0.6, cellprobThreshold: -1, minSize: 15, niter: 0,
      normPercentile: [2, 98] as [number, number], normalize: true, invert: true, norm3D: false, smoothRadius: 1.5, sharpenRadius: 0, tileNormBlocksize: 64, tileNormSmooth3D: 2,
      augment: false, do3D: false, stitchThreshold: 0, anisotropy: 1, fast: false,
    };
    const read = (file: string): Record<string, unknown> =>
      JSON.parse(
        py(`
import json, numpy as np
d = np.load(${JSON.stringify(file)}, allow_pickle=True).item()
n = d['normalize_params']
print(json.dumps({'diameter': float(d['diameter']), 'flow': float(d['flow_threshold']), 'cellprob': float(d['cellprob_threshold']), 'chan': [int(c) for c in d['chan_choose']],
  'percentile': [float(v) for v in n['percentile']], 'invert': bool(n['invert']), 'norm3D': bool(n['norm3D']), 'smooth': float(n['smooth_radius']), 'sharpen': float(n['sharpen_radius']),
  'tile_norm': float(n['tile_norm_blocksize']), 'smooth3D': float(n['tile_norm_smooth3D']), 'smooth_type': type(n['smooth_radius']).__name__, 'sharpen_type': type(n['sharpen_radius']).__name__}))`),
      ) as Record<string, unknown>;
    const saved = await backend.saveSeg({ imagePath: img, masks: loaded.masks, ismanual: loaded.ismanual, flowsId: loaded.flowsId, params, layout: 'gui' });
    expect(read(saved.path)).toEqual({
      diameter: 24, flow: 0.6, cellprob: -1, chan: [2, 1], percentile: [2, 98], invert: true, norm3D: false, smooth: 1.5, sharpen: 0, tile_norm: 64, smooth3D: 2,
      smooth_type: 'float', sharpen_type: 'int',
    });
    const back = await backend.loadSeg({ path: saved.path });
    expect([back.chanChoose, back.normPercentile]).toEqual([[2, 1], [2, 98]]);
    // settings that do not parse are a record only: the save goes through with Cellpose's defaults
    const bad = await backend.saveSeg({ imagePath: img, masks: loaded.masks, ismanual: loaded.ismanual, flowsId: loaded.flowsId, params: { ...params, normPercentile: [50, 10] }, layout: 'gui' });
    expect(read(bad.path)).toMatchObject({ percentile: [1, 99], invert: false, smooth: 0 });
  });

  it('loadMasks renumbers a real label PNG by first appearance, as Cellpose does', async () => {
    const dir = sharedPath('data/dsb2018-stage1-fluorescence/masks');
    const name = py(`import os; print(sorted(os.listdir(${JSON.stringify(dir)}))[0])`).trim();
    const file = path.join(dir, name);
    const expected = JSON.parse(
      py(`
import json, numpy as np
from PIL import Image
a = np.array(Image.open(${JSON.stringify(file)})).astype(np.int64).ravel()
vals, first = np.unique(a[a > 0], return_index=True)
order = vals[np.argsort(first)]
lut = {int(v): i + 1 for i, v in enumerate(order)}
out = np.array([lut.get(int(v), 0) for v in a])
print(json.dumps({'n': len(order), 'sum': int(out.sum()), 'h': int(np.array(Image.open(${JSON.stringify(file)})).shape[0])}))`),
    ) as { n: number; sum: number; h: number };
    const r = await backend.loadMasks({ path: file });
    const m = new Uint16Array(r.masks.data);
    let max = 0;
    let sum = 0;
    for (const v of m) {
      if (v > max) max = v;
      sum += v;
    }
    expect(r.masks.shape[1]).toBe(expected.h);
    expect(max).toBe(expected.n);
    expect(sum).toBe(expected.sum);
    // The same labels as numpy's default int64, the way `tifffile.imwrite(f, label(...))` saves them.
    const asInt64 = path.join(work, 'labels_int64.tif');
    py(`
import numpy as np, tifffile
from PIL import Image
tifffile.imwrite(${JSON.stringify(asInt64)}, np.array(Image.open(${JSON.stringify(file)})).astype(np.int64))`);
    const r64 = await backend.loadMasks({ path: asInt64 });
    expect(Array.from(new Uint16Array(r64.masks.data))).toEqual(Array.from(m));
    await expect(backend.loadMasks({ path: `${FIXTURES}/cli2d/img2d_seg.npy` })).rejects.toThrow(/img2d_seg\.npy/);
  });

  it('exportResults writes the masks PNG, ImageJ outlines and ROIs next to the image', async () => {
    const img = path.join(work, 'crop2d.tif');
    copyFileSync(`${FIXTURES}/gui2d/crop2d.tif`, img);
    const seg = await backend.loadSeg({ path: `${FIXTURES}/gui2d/crop2d_seg.npy` });
    const r = await backend.exportResults({ imagePath: img, masks: seg.masks, kinds: ['png', 'txt', 'rois'] });
    expect(r.paths.sort()).toEqual([path.join(work, 'crop2d_cp_masks.png'), path.join(work, 'crop2d_cp_outlines.txt'), path.join(work, 'crop2d_rois.zip')]);
    for (const p of r.paths) expect(existsSync(p)).toBe(true);
    const same = py(`
import numpy as np
from PIL import Image
a = np.array(Image.open(${JSON.stringify(path.join(work, 'crop2d_cp_masks.png'))}))
ref = np.load(${JSON.stringify(`${FIXTURES}/gui2d/crop2d_seg.npy`)}, allow_pickle=True).item()['masks']
print(bool((a == ref).all()))`).trim();
    expect(same).toBe('True');
    await expect(backend.exportResults({ imagePath: img, masks: seg.masks, kinds: ['flows'] })).rejects.toThrow(/flowsId/);
    await expect(backend.exportResults({ imagePath: img, masks: { ...seg.masks, shape: [1, 10, 10] }, kinds: ['png'] })).rejects.toThrow(/bytes/);
  });
});
