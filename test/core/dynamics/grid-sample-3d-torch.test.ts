// 3-D dynamics against PyTorch's own grid_sample, bit for bit. Cellpose 3.1 follows 3-D flows with
// torch.nn.functional.grid_sample (trilinear, align_corners=False) on coordinates normalised to
// [-1, 1]; its CPU kernel works in float32 in a fixed order, which follow-flows.ts reproduces. The
// reference here is torch itself (Debian's python3-torch) running that loop, written for this test:
// scale the field by 2/(L-1), normalise the start points, then `niter` times sample, add, clamp.
// With float64 corner weights (the code before 2026-11-27) a few per cent of these end points came
// out some ulps off, and in a real 3-D case one voxel went to another mask.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { followMethodFor, prepareDynamics } from '../../../src/core/dynamics/compute-masks.ts';
import { followFlows } from '../../../src/core/dynamics/follow-flows.ts';
import { PYTHON, tempDir, writeNpyF32 } from '../model/torch-reference.ts';

const TORCH_STEPS = `
import sys, numpy as np, torch
dP = np.load(sys.argv[1]); cellprob = np.load(sys.argv[2]); niter = int(sys.argv[3])
shape = dP.shape[1:]
fg = cellprob > 0
field = (dP * fg / 5.0).astype(np.float32)
zyx = np.nonzero(fg)
n = len(zyx[0])
# grid_sample wants (x, y, z) in the last axis and the field as (1, 3, Z, Y, X) with x first
pts = torch.zeros((1, 1, 1, n, 3), dtype=torch.float32)
img = torch.zeros((1, 3) + shape, dtype=torch.float32)
for a in range(3):
    pts[0, 0, 0, :, 2 - a] = torch.from_numpy(zyx[a].astype(np.float32))
    img[0, 2 - a] = torch.from_numpy(field[a])
ext = np.array(shape[::-1], dtype=np.float64) - 1
for k in range(3):
    img[:, k] *= 2.0 / ext[k]
    pts[..., k] /= ext[k]
pts *= 2
pts -= 1
for _ in range(niter):
    step = torch.nn.functional.grid_sample(img, pts, align_corners=False)
    for k in range(3):
        pts[..., k] = torch.clamp(pts[..., k] + step[:, k], -1.0, 1.0)
pts += 1
pts *= 0.5
for k in range(3):
    pts[..., k] *= ext[k]
out = pts[0, 0, 0].numpy()[:, ::-1].T.astype(np.float32)  # (3, n): z, y, x
out.tofile(sys.argv[4])
`;

/** A smooth random field with sinks, like a network's flows, and a blob-shaped foreground. */
function syntheticFlows(lz: number, ly: number, lx: number, seed: number): { dP: Float32Array; cellprob: Float32Array } {
  const vol = lz * ly * lx;
  const dP = new Float32Array(3 * vol);
  const cellprob = new Float32Array(vol);
  let s = seed;
  const rnd = (): number => (s = (s * 16807) % 2147483647) / 2147483647;
  const centres = Array.from({ length: 6 }, () => [rnd() * (lz - 1), rnd() * (ly - 1), rnd() * (lx - 1)]);
  for (let z = 0; z < lz; z++) {
    for (let y = 0; y < ly; y++) {
      for (let x = 0; x < lx; x++) {
        const i = (z * ly + y) * lx + x;
        let best = 0;
        let bd = Infinity;
        centres.forEach((c, k) => {
          const d = (z - c[0]) ** 2 + (y - c[1]) ** 2 + (x - c[2]) ** 2;
          if (d < bd) [bd, best] = [d, k];
        });
        const c = centres[best];
        const r = Math.sqrt(bd) + 1e-3;
        // unit vectors towards the nearest centre, times 5 as the network outputs them, plus noise
        dP[i] = (5 * (c[0] - z)) / r + (rnd() - 0.5) * 0.3;
        dP[vol + i] = (5 * (c[1] - y)) / r + (rnd() - 0.5) * 0.3;
        dP[2 * vol + i] = (5 * (c[2] - x)) / r + (rnd() - 0.5) * 0.3;
        cellprob[i] = 4 - Math.sqrt(bd) + (rnd() - 0.5);
      }
    }
  }
  return { dP, cellprob };
}

describe('3-D grid-sample dynamics', () => {
  it('end points equal PyTorch grid_sample\'s bit for bit (7 x 33 x 29 and 12 x 20 x 41, 200 steps)', () => {
    for (const [lz, ly, lx, seed] of [[7, 33, 29, 11], [12, 20, 41, 5]]) {
      const { dP, cellprob } = syntheticFlows(lz, ly, lx, seed);
      const dir = tempDir();
      writeNpyF32(join(dir, 'dP.npy'), dP, [3, lz, ly, lx]);
      writeNpyF32(join(dir, 'cp.npy'), cellprob, [lz, ly, lx]);
      execFileSync(PYTHON, ['-c', TORCH_STEPS, join(dir, 'dP.npy'), join(dir, 'cp.npy'), '200', join(dir, 'p.f32')]);
      const b = readFileSync(join(dir, 'p.f32'));
      const want = new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
      const input = prepareDynamics(dP, cellprob, [lz, ly, lx], 0, 200, followMethodFor('v3-cpu', 3, true));
      if (!input) throw new Error('no foreground');
      const got = followFlows(input);
      expect(got.length).toBe(want.length);
      expect(input.inds.length).toBeGreaterThan(500);
      let differing = 0;
      for (let i = 0; i < got.length; i++) if (got[i] !== want[i]) differing++;
      expect(differing).toBe(0);
    }
  }, 60_000);
});
