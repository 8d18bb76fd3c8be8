import { describe, expect, it } from 'vitest';
import { masksToFlows } from '../../../src/core/dynamics/masks-to-flows.ts';
import { D1_CPU_DX, D1_CPU_DY, D1_GPU_DX, D1_GPU_DY, D1_LABELS, D1_V4_DX, D1_V4_DY, parseGrid, parseMatrix } from './appendix-d.ts';

function expectClose(actual: Float32Array, expected: number[], tol: number): void {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < actual.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
  expect(worst).toBeLessThanOrEqual(tol);
}

describe('masksToFlows on Appendix D.1', () => {
  const { data, shape } = parseGrid(D1_LABELS);
  const n = shape[0] * shape[1];
  // The table has 6 decimals: 5e-7 rounding plus float32 storage.
  const tol = 1e-6;

  it('CPU variant, v3 centres (Cellpose 3 on CPU)', () => {
    const f = masksToFlows(data, shape, { variant: 'cpu', centre: 'v3' });
    expectClose(f.subarray(0, n), parseMatrix(D1_CPU_DY), tol);
    expectClose(f.subarray(n), parseMatrix(D1_CPU_DX), tol);
  });

  it('GPU variant, v3 centres (Cellpose 3 on CUDA/MPS)', () => {
    const f = masksToFlows(data, shape, { variant: 'gpu', centre: 'v3' });
    expectClose(f.subarray(0, n), parseMatrix(D1_GPU_DY), tol);
    expectClose(f.subarray(n), parseMatrix(D1_GPU_DX), tol);
  });

  it('GPU variant, v4 centres (Cellpose 4)', () => {
    const f = masksToFlows(data, shape, { variant: 'gpu', centre: 'v4' });
    expectClose(f.subarray(0, n), parseMatrix(D1_V4_DY), tol);
    expectClose(f.subarray(n), parseMatrix(D1_V4_DX), tol);
  });
});
