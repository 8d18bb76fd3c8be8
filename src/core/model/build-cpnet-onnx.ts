// Build the ONNX inference graph of a Cellpose 3 CPnet from its state dict (ALGORITHMS.md 1.2,
// 1.3, 1.12). Opset 17, standard ops only (Conv, BatchNormalization, Relu, Add, MaxPool,
// GlobalAveragePool, Flatten, ReduceSumSquare, Sqrt, Div, Gemm, Unsqueeze, Resize) so the same
// file runs on the CPU, WebGPU, CUDA, DirectML and CoreML execution providers.
// Dynamic batch, height and width: Cellpose feeds tiles smaller than 224 for small images, and
// zero-padding them to 224 would change the result (1.12), so the graph must accept any H, W
// that are multiples of 8.
import type { NdArray } from '../array/ndarray.ts';
import { describeCpnet, requireTensor, type CpnetSpec } from './cpnet-spec.ts';
import { OnnxGraphWriter } from './onnx-graph-writer.ts';

export const CPNET_INPUT = 'input';
export const CPNET_OUTPUT_FLOWS = 'flows_cellprob';
export const CPNET_OUTPUT_STYLE = 'style';
export const CPNET_OPSET = 17;
/** BatchNorm epsilon of every CPnet BN layer. */
const BN_EPS = 1e-5;

function f32(t: NdArray): Float32Array {
  return t.data instanceof Float32Array ? t.data : Float32Array.from(t.data as ArrayLike<number>);
}

class CpnetGraph {
  constructor(
    private readonly g: OnnxGraphWriter,
    private readonly tensors: ReadonlyMap<string, NdArray>,
  ) {}

  private weight(key: string, rank: number): NdArray {
    return requireTensor(this.tensors, key, rank);
  }

  private bn(prefix: string, x: string): string {
    const names = ['weight', 'bias', 'running_mean', 'running_var'].map((s) => {
      const t = this.weight(`${prefix}.${s}`, 1);
      return this.g.initializerF32(`${prefix}.${s}`, t.shape, f32(t));
    });
    return this.g.node('BatchNormalization', [x, ...names], 1, { epsilon: { float: BN_EPS } })[0];
  }

  private conv(prefix: string, x: string): string {
    const w = this.weight(`${prefix}.weight`, 4);
    const b = this.weight(`${prefix}.bias`, 1);
    const k = w.shape[2];
    const wn = this.g.initializerF32(`${prefix}.weight`, w.shape, f32(w));
    const bn = this.g.initializerF32(`${prefix}.bias`, b.shape, f32(b));
    const p = Math.floor(k / 2);
    return this.g.node('Conv', [x, wn, bn], 1, { kernel_shape: [k, k], pads: [p, p, p, p], strides: [1, 1] })[0];
  }

  /** bc: BN -> ReLU -> conv (pre-activation, keys .0 and .2). BN cannot be folded: ReLU and the
   *  conv's zero padding sit between them (1.12). */
  bc(prefix: string, x: string): string {
    const r = this.g.node('Relu', [this.bn(`${prefix}.0`, x)], 1)[0];
    return this.conv(`${prefix}.2`, r);
  }

  /** bc0: BN -> 1x1 conv, folded exactly into one 1x1 conv: W' = W·a, b' = c + W·β with
   *  a = γ/sqrt(var+eps), β = bias − mean·a. Computed in float64, rounded once to float32. */
  bc0Folded(prefix: string, x: string): string {
    const gamma = f32(this.weight(`${prefix}.0.weight`, 1));
    const beta = f32(this.weight(`${prefix}.0.bias`, 1));
    const mean = f32(this.weight(`${prefix}.0.running_mean`, 1));
    const vari = f32(this.weight(`${prefix}.0.running_var`, 1));
    const wT = this.weight(`${prefix}.1.weight`, 4);
    const w = f32(wT);
    const c = f32(this.weight(`${prefix}.1.bias`, 1));
    const [nOut, nIn] = wT.shape;
    const a = new Float64Array(nIn);
    const shift = new Float64Array(nIn);
    for (let i = 0; i < nIn; i++) {
      // float32 sqrt of (var + eps) as torch computes it; the product is then kept in float64
      a[i] = gamma[i] / Math.fround(Math.sqrt(Math.fround(vari[i] + BN_EPS)));
      shift[i] = beta[i] - mean[i] * a[i];
    }
    const wf = new Float32Array(nOut * nIn);
    const bf = new Float32Array(nOut);
    for (let o = 0; o < nOut; o++) {
      let acc = c[o];
      for (let i = 0; i < nIn; i++) {
        wf[o * nIn + i] = w[o * nIn + i] * a[i];
        acc += w[o * nIn + i] * shift[i];
      }
      bf[o] = acc;
    }
    const wn = this.g.initializerF32(`${prefix}.folded.weight`, [nOut, nIn, 1, 1], wf);
    const bn = this.g.initializerF32(`${prefix}.folded.bias`, [nOut], bf);
    return this.g.node('Conv', [x, wn, bn], 1, { kernel_shape: [1, 1], pads: [0, 0, 0, 0], strides: [1, 1] })[0];
  }

  add(a: string, b: string): string {
    return this.g.node('Add', [a, b], 1)[0];
  }

  /** StyleConv: x (+ skip) + Linear(style) broadcast per channel, then bc. */
  styleConv(prefix: string, style: string, x: string, skip?: string): string {
    let h = skip ? this.add(x, skip) : x;
    const w = this.weight(`${prefix}.full.weight`, 2);
    const b = this.weight(`${prefix}.full.bias`, 1);
    const wn = this.g.initializerF32(`${prefix}.full.weight`, w.shape, f32(w));
    const bn = this.g.initializerF32(`${prefix}.full.bias`, b.shape, f32(b));
    const feat = this.g.node('Gemm', [style, wn, bn], 1, { transB: 1 })[0];
    const axes = this.g.initializerI64(this.g.name('axes23'), [2, 3]);
    const feat4 = this.g.node('Unsqueeze', [feat, axes], 1)[0];
    h = this.add(h, feat4);
    return this.bc(`${prefix}.conv`, h);
  }
}

/** Convert a CPnet state dict to a serialized ONNX ModelProto. */
export function buildCpnetOnnx(tensors: Map<string, NdArray>): Uint8Array {
  const spec: CpnetSpec = describeCpnet(tensors);
  const g = new OnnxGraphWriter();
  const net = new CpnetGraph(g, tensors);
  const L = spec.levels;

  // encoder
  const xd: string[] = [];
  let x = CPNET_INPUT;
  for (let k = 0; k < L; k++) {
    const p = `downsample.down.res_down_${k}`;
    if (k > 0) x = g.node('MaxPool', [x], 1, { kernel_shape: [2, 2], strides: [2, 2] })[0];
    const h = net.add(net.bc0Folded(`${p}.proj`, x), net.bc(`${p}.conv.conv_1`, net.bc(`${p}.conv.conv_0`, x)));
    x = net.add(h, net.bc(`${p}.conv.conv_3`, net.bc(`${p}.conv.conv_2`, h)));
    xd.push(x);
  }

  // style: global average, then divided by its L2 norm with no epsilon (1.2 make_style)
  const pooled = g.node('GlobalAveragePool', [xd[L - 1]], 1)[0];
  const flat = g.node('Flatten', [pooled], 1, { axis: 1 })[0];
  const sumsq = g.node('ReduceSumSquare', [flat], 1, { axes: [1], keepdims: 1 })[0];
  const norm = g.node('Sqrt', [sumsq], 1)[0];
  const style = g.node('Div', [flat, norm], 1, {}, [CPNET_OUTPUT_STYLE])[0];

  // decoder: the deepest ResUp gets d_L as both input and skip
  const scales = g.initializerF32('upsample_scales', [4], new Float32Array([1, 1, 2, 2]));
  let u = '';
  for (let k = L - 1; k >= 0; k--) {
    const p = `upsample.up.res_up_${k}`;
    let xin: string;
    if (k === L - 1) xin = xd[L - 1];
    else {
      // nearest x2 with asymmetric/floor coordinates = exact pixel replication (torch 'nearest')
      xin = g.node('Resize', [u, '', scales], 1, {
        mode: 'nearest',
        coordinate_transformation_mode: 'asymmetric',
        nearest_mode: 'floor',
      })[0];
    }
    const h = net.add(net.bc0Folded(`${p}.proj`, xin), net.styleConv(`${p}.conv.conv_1`, style, net.bc(`${p}.conv.conv_0`, xin), xd[k]));
    u = net.add(h, net.styleConv(`${p}.conv.conv_3`, style, net.styleConv(`${p}.conv.conv_2`, style, h)));
  }
  const yRelu = g.node('Relu', [g.node('BatchNormalization', [u, ...['weight', 'bias', 'running_mean', 'running_var'].map((s) => {
    const t = requireTensor(tensors, `output.0.${s}`, 1);
    return g.initializerF32(`output.0.${s}`, t.shape, f32(t));
  })], 1, { epsilon: { float: BN_EPS } })[0]], 1)[0];
  const wOut = requireTensor(tensors, 'output.2.weight', 4);
  const bOut = requireTensor(tensors, 'output.2.bias', 1);
  g.node('Conv', [yRelu, g.initializerF32('output.2.weight', wOut.shape, f32(wOut)), g.initializerF32('output.2.bias', bOut.shape, f32(bOut))], 1,
    { kernel_shape: [1, 1], pads: [0, 0, 0, 0], strides: [1, 1] }, [CPNET_OUTPUT_FLOWS]);

  return g.encode({
    graphName: 'cpnet',
    opset: CPNET_OPSET,
    inputs: [{ name: CPNET_INPUT, dims: ['N', spec.nchan, 'H', 'W'] }],
    outputs: [
      { name: CPNET_OUTPUT_FLOWS, dims: ['N', spec.nout, 'H', 'W'] },
      { name: CPNET_OUTPUT_STYLE, dims: ['N', spec.styleDim] },
    ],
    docString: `Cellpose 3 CPnet nbase [${spec.nbase.join(',')}] nout ${spec.nout}; diam_mean ${spec.diamMeanPx ?? 'none'}; diam_labels ${spec.diamLabelsPx ?? 'none'}`,
  });
}
