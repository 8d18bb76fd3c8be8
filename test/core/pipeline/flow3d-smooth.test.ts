// flow3D_smooth against scipy.ndimage.gaussian_filter(dP, (0, σ, σ, σ)) on float32 data.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { smoothFlows3D } from '../../../src/core/pipeline/flow3d-smooth.ts';
import { PYTHON, readNpyF32, tempDir, writeNpyF32 } from '../model/torch-reference.ts';

describe('smoothFlows3D', () => {
  it('matches scipy gaussian_filter with reflect borders (σ = 1.5 and 0.7)', () => {
    const shape: [number, number, number] = [5, 9, 11];
    const n = 5 * 9 * 11;
    const dP = Float32Array.from({ length: 3 * n }, (_, i) => Math.sin(i * 0.37) * 5 + Math.cos(i * 0.011));
    const dir = tempDir();
    writeNpyF32(join(dir, 'dp.npy'), dP, [3, ...shape]);
    execFileSync(PYTHON, ['-c', `
import numpy as np
from scipy.ndimage import gaussian_filter
d = np.load('${dir}/dp.npy')
np.save('${dir}/a.npy', gaussian_filter(d, (0, 1.5, 1.5, 1.5)))
np.save('${dir}/b.npy', gaussian_filter(d, (0, 0.7, 0.7, 0.7)))
`]);
    for (const [sigma, file] of [[1.5, 'a.npy'], [0.7, 'b.npy']] as const) {
      const ours = Float32Array.from(dP);
      smoothFlows3D(ours, shape, sigma);
      const ref = readNpyF32(join(dir, file)).data;
      let m = 0;
      for (let i = 0; i < ours.length; i++) m = Math.max(m, Math.abs(ours[i] - ref[i]));
      expect(m).toBeLessThan(1e-5);
    }
  });
});
