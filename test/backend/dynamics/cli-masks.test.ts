import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main.ts';
import { masksToFlows2D } from '../../../src/core/dynamics/masks-to-flows.ts';
import { readNpy, writeNpy } from '../../../src/core/io/npy.ts';
import type { NdArray } from '../../../src/core/array/ndarray.ts';
import { D4_FINAL, D4_LABELS, parseGrid } from '../../core/dynamics/appendix-d.ts';

const dir = mkdtempSync(join(tmpdir(), 'cps-masks-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function d4Stack(): Float32Array {
  const { data: labels, shape } = parseGrid(D4_LABELS);
  const [ly, lx] = shape;
  const mu = masksToFlows2D(labels, ly, lx);
  const plane = ly * lx;
  const f = new Float32Array(3 * plane);
  for (let y = 0; y < ly; y++) {
    for (let x = 0; x < lx; x++) {
      const i = y * lx + x;
      f[i] = 5 * mu[i] + 0.8 * Math.sin(0.7 * y + 0.3 * x);
      f[plane + i] = 5 * mu[plane + i] + 0.8 * Math.cos(0.5 * x - 0.2 * y);
      f[2 * plane + i] = labels[i] > 0 ? 3 : -3;
    }
  }
  f[2 * plane + 5 * lx + 5] = -1;
  return f;
}

describe('cellpose-studio masks', () => {
  it('stacked (3, Ly, Lx) flows -> .npy masks equal to Appendix D.4', async () => {
    const inp = join(dir, 'flows.npy');
    writeFileSync(inp, writeNpy({ data: d4Stack(), shape: [3, 16, 22], dtype: 'float32' }));
    const out = join(dir, 'm.npy');
    expect(await main(['masks', '--dP', inp, '--niter', '200', '--out', out])).toBe(0);
    const m = readNpy(new Uint8Array(readFileSync(out))) as NdArray;
    expect(m.dtype).toBe('uint16');
    expect(m.shape).toEqual([16, 22]);
    expect(Array.from(m.data as Uint16Array)).toEqual(Array.from(parseGrid(D4_FINAL).data));
  });

  it('--v31_small_masks applies Cellpose 3.1\'s min_size removal, as segment does', async () => {
    // Appendix D.4's flow QC leaves a gap in the labels; at min_size 30 the fixed rule keeps the
    // 34 and 48 px masks, while 3.1's rule (list positions taken as labels) drops the 48 px one
    const inp = join(dir, 'flows-v31.npy');
    writeFileSync(inp, writeNpy({ data: d4Stack(), shape: [3, 16, 22], dtype: 'float32' }));
    const sizes = async (extra: string[]): Promise<number[]> => {
      const out = join(dir, `v31-${extra.length}.npy`);
      expect(await main(['masks', '--dP', inp, '--min_size', '30', ...extra, '--out', out])).toBe(0);
      const m = readNpy(new Uint8Array(readFileSync(out))) as NdArray;
      const counts: number[] = [];
      for (const v of m.data as Uint16Array) if (v > 0) counts[v - 1] = (counts[v - 1] ?? 0) + 1;
      return counts;
    };
    expect(await sizes([])).toEqual([34, 48]);
    expect(await sizes(['--v31_small_masks'])).toEqual([34]);
  });

  it('separate dP/cellprob with --flow_threshold 0 keeps the holed mask; bad input is named', async () => {
    const f = d4Stack();
    const plane = 16 * 22;
    const dPf = join(dir, 'dP.npy');
    const cpf = join(dir, 'cp.npy');
    writeFileSync(dPf, writeNpy({ data: f.slice(0, 2 * plane), shape: [2, 16, 22], dtype: 'float32' }));
    writeFileSync(cpf, writeNpy({ data: f.slice(2 * plane), shape: [16, 22], dtype: 'float32' }));
    const out = join(dir, 'm.tif');
    expect(await main(['masks', '--dP', dPf, '--cellprob', cpf, '--flow_threshold', '0', '--out', out])).toBe(0);
    expect(readFileSync(out).length).toBeGreaterThan(100);
    // mismatched shapes and truncated files give a clear error and exit code 1
    const wrong = join(dir, 'wrong.npy');
    writeFileSync(wrong, writeNpy({ data: new Float32Array(10), shape: [10], dtype: 'float32' }));
    expect(await main(['masks', '--dP', dPf, '--cellprob', wrong, '--out', out])).toBe(1);
    const trunc = join(dir, 'trunc.npy');
    writeFileSync(trunc, readFileSync(dPf).subarray(0, 200));
    expect(await main(['masks', '--dP', trunc, '--cellprob', cpf, '--out', out])).toBe(1);
    expect(await main(['masks', '--dP', dPf, '--out', join(dir, 'x.jpg')])).toBe(1);
  });
});
