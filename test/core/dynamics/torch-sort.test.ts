// torchArgsort against torch.argsort itself (Debian's python3-torch) on integer keys with many
// ties, from tiny arrays (insertion sort only) to thousands of elements (introsort partitions).
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { torchArgsort } from '../../../src/core/dynamics/torch-sort.ts';
import { PYTHON, tempDir } from '../model/torch-reference.ts';
import { rng } from '../../helpers/seeded-random.ts';

describe('torchArgsort = torch.argsort on CPU integer tensors', () => {
  it('gives the same order as torch for sizes 1..30000 with heavy ties', () => {
    const rand = rng(7);
    const sizes = [1, 2, 5, 16, 17, 18, 33, 100, 257, 1000, 5000, 30000];
    const arrays = sizes.map((n, k) => Int32Array.from({ length: n }, () => Math.floor(rand() * (k % 2 ? 12 : 400))));
    // a sorted and a reversed run with ties, where the pivots are least random
    arrays.push(Int32Array.from({ length: 3000 }, (_, i) => Math.floor(i / 7)));
    arrays.push(Int32Array.from({ length: 3000 }, (_, i) => Math.floor((3000 - i) / 5)));
    const dir = tempDir();
    arrays.forEach((a, k) => writeFileSync(join(dir, `k${k}.bin`), Buffer.from(a.buffer)));
    execFileSync(PYTHON, ['-c', `
import numpy as np, torch, sys
d, n = sys.argv[1], int(sys.argv[2])
for k in range(n):
    a = torch.from_numpy(np.fromfile(f'{d}/k{k}.bin', np.int32))
    a.argsort().numpy().astype(np.int32).tofile(f'{d}/o{k}.bin')
`, dir, String(arrays.length)]);
    arrays.forEach((a, k) => {
      const b = readFileSync(join(dir, `o${k}.bin`));
      const want = new Int32Array(b.buffer, b.byteOffset, b.byteLength / 4);
      expect(Array.from(torchArgsort(a)), `array ${k} (n = ${a.length})`).toEqual(Array.from(want));
    });
  });
});
