// Real image tiles for network tests: crops of the StarDist sample image (CC0 data, see
// /work/shared/data/stardist-dsb2018-sample-2d/PROVENANCE.md), 1-99 percentile normalized.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { PYTHON, readNpyF32, tempDir } from './torch-reference.ts';
import { sharedPath } from '../../helpers/shared-data.ts';

const IMG = sharedPath('data/stardist-dsb2018-sample-2d/img2d.tif');

/** n crops of size h x w at different offsets; channel 0 = the image, further channels = shifted
 *  crops (so every input channel carries real structure). */
export function loadRealTile(n: number, nchan: number, h: number, w: number): { x: Float32Array; shape: [number, number, number, number] } {
  const out = join(tempDir(), 'tile.npy');
  const code = `
import numpy as np, sys
from PIL import Image
im = np.array(Image.open(${JSON.stringify(IMG)})).astype(np.float32)
lo, hi = np.percentile(im, 1), np.percentile(im, 99)
im = (im - lo) / (hi - lo)
n, c, h, w = ${n}, ${nchan}, ${h}, ${w}
x = np.zeros((n, c, h, w), np.float32)
for i in range(n):
    for j in range(c):
        y0, x0 = 37 * i + 11 * j, 53 * i + 29 * j
        x[i, j] = im[y0:y0 + h, x0:x0 + w]
np.save(${JSON.stringify(out)}, x)
`;
  execFileSync(PYTHON, ['-c', code]);
  const r = readNpyF32(out);
  return { x: r.data, shape: [n, nchan, h, w] };
}
