// The ONNX graph built in TypeScript must compute what an independent PyTorch CPnet computes on
// the same weights (ALGORITHMS.md 1.3): the real Cellpose 3.1 checkpoint and small random-weight
// checkpoints in Cellpose's exact format with other widths and 1 or 3 input channels.
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import onnxProto from 'onnx-proto';
import { buildCpnetOnnx, calibChannelOutputName, calibOutputNames, equalizationScales, type ConvActivationRange } from '../../../src/core/model/build-cpnet-onnx.ts';
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

  it('calibration graph: four scalar range outputs and a per-channel input max per convolution; the first conv\'s are the input\'s', async () => {
    const w = loadWeightsViaTorch(TINY1);
    const plain = buildCpnetOnnx(w);
    const calib = buildCpnetOnnx(w, { calibration: true });
    const { x, shape } = loadRealTile(2, 1, 48, 80);
    const session = await ort.InferenceSession.create(calib);
    const names = session.outputNames.filter((n) => n.startsWith('calib_'));
    // nbase [1,8,16,32,32]: 4 levels x (4 convs + 1 projection) down and up = 40 convolutions
    expect(names).toHaveLength(5 * 40);
    const r = await session.run({ input: new ort.Tensor('float32', x, shape) });
    const [inMin, inMax, outMin, outMax] = calibOutputNames(0).map((n) => (r[n].data as Float32Array)[0]);
    expect(r[calibOutputNames(0)[0]].dims).toEqual([]);
    expect(inMin).toBe(x.reduce((a, b) => Math.min(a, b)));
    expect(inMax).toBe(x.reduce((a, b) => Math.max(a, b)));
    expect(outMin).toBeLessThan(outMax);
    // the per-channel max of the input, over the batch and the pixels
    const [nb, nc, ny, nx] = shape;
    const channelMax = r[calibChannelOutputName(0)];
    expect(channelMax.dims).toEqual([nc]);
    for (let c = 0; c < nc; c++) {
      let m = -Infinity;
      for (let b = 0; b < nb; b++) for (let i = 0; i < ny * nx; i++) m = Math.max(m, x[(b * nc + c) * ny * nx + i]);
      expect((channelMax.data as Float32Array)[c]).toBe(m);
    }
    // the network's own outputs are unchanged by the extra outputs (up to float32 rounding: the
    // extra consumers change which operators onnxruntime fuses)
    const base = await runOnnx(plain, x, shape);
    expect(maxAbsDiff(r.flows_cellprob.data as Float32Array, base.y)).toBeLessThan(1e-5);
  });

  it('int8 graph: every convolution below the first level quantized, the first level and the output float32', () => {
    const w = loadWeightsViaTorch(REAL);
    const ranges: ConvActivationRange[] = Array.from({ length: 41 - 1 }, () => ({ inLo: 0, inHi: 10, outLo: -50, outHi: 50 }));
    const model = onnxProto.onnx.ModelProto.decode(buildCpnetOnnx(w, { int8Ranges: ranges }));
    const nodes = model.graph?.node ?? [];
    const count = (op: string): number => nodes.filter((n) => n.opType === op).length;
    expect(count('Conv')).toBe(41);
    const inits = new Set((model.graph?.initializer ?? []).map((t) => t.name));
    // level 0 (32 output channels): float weights; below it: int8 weights and int32 biases
    expect(inits.has('downsample.down.res_down_0.conv.conv_1.2.weight')).toBe(true);
    expect(inits.has('upsample.up.res_up_0.conv.conv_3.conv.2.weight')).toBe(true);
    expect(inits.has('downsample.down.res_down_1.conv.conv_1.2.weight')).toBe(false);
    expect(inits.has('downsample.down.res_down_1.conv.conv_1.2.weight.int8')).toBe(true);
    expect(inits.has('downsample.down.res_down_1.conv.conv_1.2.weight.bias_int32')).toBe(true);
    expect(inits.has('output.2.weight')).toBe(true);
    // 30 quantized convolutions: an input and an output quantization each (shared inputs once)
    expect(count('QuantizeLinear')).toBeGreaterThanOrEqual(2 * 30 - 4);
    expect(count('QuantizeLinear')).toBeLessThanOrEqual(2 * 30);
    expect(() => buildCpnetOnnx(w, { int8Ranges: ranges.slice(1) })).toThrow(/39 activation ranges for 40 convolutions/);
  });

  it('int8 graph with per-channel input maxima: each BN -> ReLU -> conv below the first level is equalized without changing its float function', () => {
    const w = loadWeightsViaTorch(REAL);
    const prefix = 'downsample.down.res_down_1.conv.conv_1';
    const wConv = w.get(`${prefix}.2.weight`);
    if (!wConv) throw new Error('no conv weight');
    const [nOut, nIn] = wConv.shape;
    const wf = Float32Array.from(wConv.data as ArrayLike<number>);
    // channels whose calibrated maxima span 1000x, and a channel that is never positive
    const channelHi = Array.from({ length: nIn }, (_, c) => (c === 5 ? 0 : 0.01 * 1000 ** (c / (nIn - 1))));
    const s = equalizationScales(wf, wConv.shape, channelHi);
    expect(s[5]).toBe(1);
    const per = wf.length / (nOut * nIn);
    for (const c of [0, 17, nIn - 1]) {
      let wMax = 0;
      for (let o = 0; o < nOut; o++) for (let i = 0; i < per; i++) wMax = Math.max(wMax, Math.abs(wf[(o * nIn + c) * per + i]));
      // after scaling, channel c's input max and largest weight meet at sqrt(xmax * wmax)
      expect(channelHi[c] / s[c]).toBeCloseTo(Math.sqrt(channelHi[c] * wMax), 10);
      expect(wMax * s[c]).toBeCloseTo(Math.sqrt(channelHi[c] * wMax), 10);
    }
    expect(() => equalizationScales(wf, wConv.shape, channelHi.slice(1))).toThrow(/channel ranges/);

    const nConv = 40;
    // conv 7 is res_down_1's conv_1 (level 0: proj, conv_0..3 = 0-4; level 1: proj 5, conv_0 6, conv_1 7)
    const ranges: ConvActivationRange[] = Array.from({ length: nConv }, (_, k) => ({ inLo: 0, inHi: 10, outLo: -50, outHi: 50, ...(k === 7 ? { inChannelHi: channelHi } : {}) }));
    const model = onnxProto.onnx.ModelProto.decode(buildCpnetOnnx(w, { int8Ranges: ranges }));
    const init = new Map((model.graph?.initializer ?? []).map((t) => [t.name ?? '', t]));
    const floats = (name: string): Float32Array => {
      const t = init.get(name);
      if (!t?.rawData) throw new Error(`no initializer ${name}`);
      const b = t.rawData;
      return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
    };
    const gamma = Float32Array.from(w.get(`${prefix}.0.weight`)?.data as ArrayLike<number>);
    const beta = Float32Array.from(w.get(`${prefix}.0.bias`)?.data as ArrayLike<number>);
    const gammaEq = floats(`${prefix}.0.weight`);
    const betaEq = floats(`${prefix}.0.bias`);
    for (let c = 0; c < nIn; c++) {
      expect(gammaEq[c]).toBeCloseTo(gamma[c] / s[c], 6);
      expect(betaEq[c]).toBeCloseTo(beta[c] / s[c], 6);
    }
    // the int8 weights hold W x s (to half a quantization step of each output channel)
    const q = init.get(`${prefix}.2.weight.int8`)?.rawData;
    if (!q) throw new Error('no int8 weights');
    const wq = new Int8Array(q.buffer.slice(q.byteOffset, q.byteOffset + q.byteLength));
    const wScale = floats(`${prefix}.2.weight.int8_scale`);
    for (let o = 0; o < nOut; o++) {
      for (let c = 0; c < nIn; c++) {
        for (let i = 0; i < per; i++) {
          const j = (o * nIn + c) * per + i;
          expect(Math.abs(wq[j] * wScale[o] - wf[j] * s[c])).toBeLessThanOrEqual(wScale[o] * 0.5001);
        }
      }
    }
    // a conv without channel maxima keeps its BN as it is
    const other = 'downsample.down.res_down_1.conv.conv_2';
    expect(floats(`${other}.0.weight`)).toEqual(Float32Array.from(w.get(`${other}.0.weight`)?.data as ArrayLike<number>));
  });
});
