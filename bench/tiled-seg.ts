// Big real test cases for the GUI benches: img2d.tif segmented through the real backend, its
// GUI-layout _seg.npy (float flows included) saved, then image and _seg.npy tiled k x k with numpy
// (labels offset per tile, flows copied), so the GUI opens a k·512 square image with its masks and
// flows as a user's saved session.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { maxLabel } from '../src/core/masks/labels.ts';
import type { Backend, SegmentParams } from '../src/shared/contract.ts';

/** Segments img with params and saves its GUI-layout _seg.npy beside it; returns the file's path. */
export async function segmentAndSaveSeg(backend: Backend, jobId: string, img: string, params: SegmentParams): Promise<string> {
  const r = await backend.segment({ jobId, imagePath: img, params });
  const max = maxLabel(r.masks.dtype === 'uint32' ? new Uint32Array(r.masks.data) : new Uint16Array(r.masks.data));
  const saved = await backend.saveSeg({ imagePath: img, masks: r.masks, ismanual: new Array<boolean>(max).fill(false), flowsId: r.flowsId, params: null, layout: 'gui' });
  return saved.path;
}

/** img (with its _seg.npy at seg) tiled k x k into outDir; returns the tiled image and its mask count. */
export function tileImageAndSeg(img: string, seg: string, outDir: string, k: number): { big: string; nMasks: number } {
  const big = path.join(outDir, `${path.basename(img, path.extname(img))}-tiled-${k}x${k}.tif`);
  const n = execFileSync('/usr/bin/python3', [
    '-c',
    `
import sys, numpy as np, tifffile
img, seg, big, k = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
tifffile.imwrite(big, np.tile(tifffile.imread(img), (k, k)))
d = np.load(seg, allow_pickle=True).item()
m = d['masks'].astype(np.uint32); n = int(m.max())
rows = [np.concatenate([np.where(m > 0, m + (r * k + c) * n, 0) for c in range(k)], axis=1) for r in range(k)]
d['masks'] = np.concatenate(rows, axis=0).astype(np.uint16)
d['outlines'] = np.tile(d['outlines'], (k, k))
d['colors'] = np.tile(d['colors'], (k * k, 1))
d['ismanual'] = np.tile(d['ismanual'], k * k)
d['flows'] = [np.tile(f, (1, k, k, 1) if f.ndim == 4 else (1, k, k)) if isinstance(f, np.ndarray) else f for f in d['flows']]
d['filename'] = big
np.save(big[:-4] + '_seg.npy', d, allow_pickle=True)
print(k * k * n)
`,
    img,
    seg,
    big,
    String(k),
  ]);
  return { big, nMasks: Number(n.toString()) };
}
