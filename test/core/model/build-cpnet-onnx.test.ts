// The ONNX graph built in TypeScript must compute what an independent PyTorch CPnet computes on
// the same weights (ALGORITHMS.md 1.3): the real Cellpose 3.1 checkpoint and small random-weight
// checkpoints in Cellpose's exact format with other widths and 1 or 3 input channels.
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { buildCpnetOnnx } from '../../../src/core/model/build-cpnet-onnx.ts';
import { describeCpnet } from '../../../src/core/model/cpnet-spec.ts';
import { loadWeightsViaTorch, maxAbsDiff, maxScaledDiff, runTorchCpnet } from './torch-reference.ts';
import { loadRealTile } from './real-tile.ts';
import { sharedPath } from '../../helpers/shared-data.ts';

const REAL = sharedPath('fixtures/cellpose/cp3_nuclei_dsb2018');
const TINY1 = new URL('../../fixtures/model/tiny_nchan1', import.meta.url).pathname;
const TINY3 = new URL('../../fixtures/model/tiny_nchan3', import.meta.url).pathname;

async function runOnnx(bytes: Uint8Array, x: Float32Array, shape: [number, number, number, number]) {
  const session = await ort.InferenceSession.create(bytes);
  const r = await session.run({ input: new ort.Tensor('float32', x, shape) });
  return { y: r.flows_cellprob.data as Float32Array, style: r.style.data as Float32Array, yDims: r.flows_cellprob.dims, sDims: r.style.dims };
}

describe('buildCpnetOnnx', () => {
  it('reads the real checkpoint shape: nbase [2,32,64,128,256], nout 3, diam_mean 17', () => {
    const spec = describeCpnet(loadWeightsViaTorch(REAL));
    expect(spec.nbase).toEqual([2, 32, 64, 128, 256]);
    expect(spec.nout).toBe(3);
    expect(spec.styleDim).toBe(256);
    expect(spec.diamMeanPx).toBe(17);
    expect(spec.diamLabelsPx).toBeCloseTo(21.335, 3);
  });

  it('matches PyTorch (|diff| <= 1e-4·max(1,|y|)) on a real normalized image tile (real checkpoint, 2 tiles incl. a non-224 size)', async () => {
    const bytes = buildCpnetOnnx(loadWeightsViaTorch(REAL));
    const { x, shape } = loadRealTile(2, 2, 96, 128);
    const ours = await runOnnx(bytes, x, shape);
    const ref = runTorchCpnet(REAL, x, shape);
    expect(ours.yDims).toEqual([2, 3, 96, 128]);
    expect(ours.sDims).toEqual([2, 256]);
    // this checkpoint gives background logits near −2000 (ulp 1.2e-4), hence the scaled measure
    expect(maxScaledDiff(ours.y, ref.y)).toBeLessThan(1e-4);
    expect(maxAbsDiff(ours.style, ref.style)).toBeLessThan(1e-5);
    // the outputs are not trivially zero: flows of a few pixels per step and logits of order 1
    expect(Math.max(...ref.y.map(Math.abs))).toBeGreaterThan(1);
  });

  for (const [name, path, nchan] of [['nchan 1', TINY1, 1], ['nchan 3', TINY3, 3]] as const) {
    it(`matches PyTorch on a small Cellpose-format checkpoint (${name}, nbase [${nchan},8,16,32,32])`, async () => {
      const w = loadWeightsViaTorch(path);
      const spec = describeCpnet(w);
      expect(spec.nbase).toEqual([nchan, 8, 16, 32, 32]);
      const bytes = buildCpnetOnnx(w);
      const { x, shape } = loadRealTile(3, nchan, 48, 80);
      const ours = await runOnnx(bytes, x, shape);
      const ref = runTorchCpnet(path, x, shape);
      expect(ours.sDims).toEqual([3, 32]);
      expect(maxAbsDiff(ours.y, ref.y)).toBeLessThan(1e-4);
      expect(maxAbsDiff(ours.style, ref.style)).toBeLessThan(1e-5);
    });
  }

  it('rejects a state dict that is not a CPnet with a message naming the missing tensor', () => {
    expect(() => buildCpnetOnnx(new Map())).toThrow(/res_down_0\.proj\.1\.weight.*missing/);
    const w = loadWeightsViaTorch(TINY1);
    w.delete('upsample.up.res_up_2.conv.conv_1.full.weight');
    expect(() => buildCpnetOnnx(w)).toThrow(/res_up_2\.conv\.conv_1\.full\.weight/);
  });
});
