// Build the ONNX inference graph of a Cellpose 3 CPnet from its state dict (ALGORITHMS.md 1.2,
// 1.3, 1.12). Opset 17, standard ops only (Conv, BatchNormalization, Relu, Add, MaxPool,
// GlobalAveragePool, Flatten, ReduceSumSquare, Sqrt, Div, Gemm, Unsqueeze, Resize) so the same
// file runs on the CPU, WebGPU, CUDA, DirectML and CoreML execution providers. Two variants for
// fast mode on the CPU (CpnetBuildOptions): a calibration graph (ReduceMin / ReduceMax outputs)
// and an int8 graph (QuantizeLinear / DequantizeLinear around the convolutions below level 0).
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

/** The measured range of one convolution's input and output activations (a calibration pass). */
export interface ConvActivationRange {
  inLo: number;
  inHi: number;
  outLo: number;
  outHi: number;
  /** The max of the input per input channel (calibChannelOutputName): when present, an int8 build
   *  equalizes the input channels of a BN -> ReLU -> conv before quantizing it (equalizationScales). */
  inChannelHi?: ArrayLike<number>;
}

export interface CpnetBuildOptions {
  /** A calibration graph: for every convolution k (graph order, the final 1x1 output conv not
   *  counted) four more scalar outputs, calibOutputNames(k), the min and max of its input and
   *  output over the whole batch, and one of its input's max per channel,
   *  calibChannelOutputName(k). */
  calibration?: boolean;
  /** The int8 graph of fast mode on the CPU: every convolution below the first level (more output
   *  channels than nbase[1]) runs as a quantized convolution (QuantizeLinear / DequantizeLinear
   *  around a Conv, which onnxruntime fuses into QLinearConv): weights int8 per output channel,
   *  symmetric; input and output uint8 per tensor over these measured ranges; bias int32. The
   *  first level (full resolution, nbase[1] channels) and the output conv stay float32: quantizing
   *  them too costs far more accuracy (fast-vs-default mask AP50 0.926) and gains no speed
   *  (onnxruntime's int8 kernels are no faster than float32 at 32 channels). One range per
   *  convolution, in calibration order. A range with inChannelHi equalizes the input channels of
   *  its convolution first (equalizationScales), when that input comes out of a BN -> ReLU of its
   *  own (every conv but the 1x1 projections, whose input is shared). */
  int8Ranges?: readonly ConvActivationRange[];
}

/** Names of the calibration outputs of convolution k: input min, input max, output min, output max. */
export function calibOutputNames(k: number): [string, string, string, string] {
  return [`calib_${k}_in_min`, `calib_${k}_in_max`, `calib_${k}_out_min`, `calib_${k}_out_max`];
}

/** Name of the calibration output of convolution k that holds its input's max per channel ([C]). */
export function calibChannelOutputName(k: number): string {
  return `calib_${k}_in_channel_max`;
}

/** Per-input-channel scales s_c of a convolution whose input comes out of its own BN -> ReLU:
 *  dividing that BN's output channel c by s_c (so the ReLU's, as s_c > 0) and multiplying the
 *  convolution's input channel c by s_c leaves the float function unchanged (zero padding stays
 *  zero), but evens out the channels' ranges before the input is quantized per tensor. Without it
 *  a few wide channels set the one uint8 scale and the narrow ones keep only a few levels. The split
 *  s_c = sqrt(xmax_c / wmax_c) (SmoothQuant's alpha 0.5; Xiao et al. 2023) leaves channel c's input
 *  max and its largest weight both at sqrt(xmax_c * wmax_c), so the per-output-channel int8 weights
 *  take half of the equalization. A channel that is never positive, or has no weight, keeps s_c = 1. */
export function equalizationScales(w: Float32Array, wShape: readonly number[], inChannelHi: ArrayLike<number>): Float64Array {
  const [nOut, nIn] = wShape;
  const per = w.length / (nOut * nIn);
  if (inChannelHi.length !== nIn) throw new Error(`int8 build: ${inChannelHi.length} channel ranges for a convolution of ${nIn} input channels`);
  const s = new Float64Array(nIn);
  for (let c = 0; c < nIn; c++) {
    let wMax = 0;
    for (let o = 0; o < nOut; o++) for (let i = 0; i < per; i++) wMax = Math.max(wMax, Math.abs(w[(o * nIn + c) * per + i]));
    const xMax = inChannelHi[c];
    s[c] = xMax > 0 && wMax > 0 ? Math.sqrt(xMax / wMax) : 1;
  }
  return s;
}

/** uint8 affine quantization of [lo, hi] (widened to hold 0, as ONNX requires 0 to be exact). */
function uint8Params(lo: number, hi: number): { scale: number; zeroPoint: number } {
  const l = Math.min(lo, 0);
  const h = Math.max(hi, 0);
  const scale = Math.fround(h - l > 0 ? (h - l) / 255 : 1);
  return { scale, zeroPoint: Math.min(255, Math.max(0, Math.round(-l / scale))) };
}

function f32(t: NdArray): Float32Array {
  return t.data instanceof Float32Array ? t.data : Float32Array.from(t.data as ArrayLike<number>);
}

class CpnetGraph {
  /** Convolutions emitted so far (the index of calibration outputs and int8 ranges). */
  convCount = 0;
  /** Calibration outputs added so far. */
  readonly calibOutputs: { name: string; dims: number[] }[] = [];

  constructor(
    private readonly g: OnnxGraphWriter,
    private readonly tensors: ReadonlyMap<string, NdArray>,
    private readonly opts: CpnetBuildOptions,
    /** Convolutions with more output channels than this are quantized in an int8 build. */
    private readonly firstLevelChannels: number,
  ) {}

  /** One Conv node, with the calibration outputs or the int8 form that the build asks for. */
  private emitConv(x: string, wName: string, wShape: readonly number[], w: Float32Array, bName: string, b: Float32Array, equalizedRange?: ConvActivationRange): string {
    const k = this.convCount++;
    const [nOut, , kh] = wShape;
    const p = Math.floor(kh / 2);
    const attrs = { kernel_shape: [kh, kh], pads: [p, p, p, p], strides: [1, 1] };
    const range = equalizedRange ?? this.opts.int8Ranges?.[k];
    let y: string;
    if (range && nOut > this.firstLevelChannels) y = this.quantizedConv(x, wName, wShape, w, b, range, attrs);
    else y = this.g.node('Conv', [x, this.g.initializerF32(wName, wShape, w), this.g.initializerF32(bName, [nOut], b)], 1, attrs)[0];
    if (this.opts.calibration) {
      const names = calibOutputNames(k);
      // per channel first (over H and W), then over batch and channels: onnxruntime's reduction of
      // a whole tensor in one op is several times slower
      const perChannel = (t: string, op: string): string => this.g.node(op, [t], 1, { axes: [2, 3], keepdims: 0 })[0];
      const inMax = perChannel(x, 'ReduceMax');
      const stats: [string, string][] = [[perChannel(x, 'ReduceMin'), 'ReduceMin'], [inMax, 'ReduceMax'], [perChannel(y, 'ReduceMin'), 'ReduceMin'], [perChannel(y, 'ReduceMax'), 'ReduceMax']];
      stats.forEach(([t, op], i) => this.g.node(op, [t], 1, { keepdims: 0 }, [names[i]]));
      // the input's max per channel: the same per-(image, channel) maxima, reduced over the batch
      const channelMax = calibChannelOutputName(k);
      this.g.node('ReduceMax', [inMax], 1, { axes: [0], keepdims: 0 }, [channelMax]);
      this.calibOutputs.push(...names.map((name) => ({ name, dims: [] })), { name: channelMax, dims: [wShape[1]] });
    }
    return y;
  }

  /** QuantizeLinear -> DequantizeLinear of an activation over [lo, hi] (uint8, per tensor): the
   *  dequantized value's name and the scale. */
  private fakeQuant(x: string, lo: number, hi: number): { name: string; scale: number } {
    const { scale, zeroPoint } = uint8Params(lo, hi);
    const s = this.g.initializerF32(this.g.name(`${x}_scale`), [], new Float32Array([scale]));
    const z = this.g.initializerInt(this.g.name(`${x}_zero`), [], new Uint8Array([zeroPoint]));
    const q = this.g.node('QuantizeLinear', [x, s, z], 1)[0];
    return { name: this.g.node('DequantizeLinear', [q, s, z], 1)[0], scale };
  }

  private quantizedConv(x: string, wName: string, wShape: readonly number[], w: Float32Array, b: Float32Array, r: ConvActivationRange, attrs: Record<string, number[]>): string {
    const nOut = wShape[0];
    const per = w.length / nOut;
    const xd = this.fakeQuant(x, r.inLo, r.inHi);
    const wScale = new Float32Array(nOut);
    const wq = new Int8Array(w.length);
    const bScale = new Float32Array(nOut);
    const bq = new Int32Array(nOut);
    for (let o = 0; o < nOut; o++) {
      let m = 0;
      for (let i = 0; i < per; i++) m = Math.max(m, Math.abs(w[o * per + i]));
      const s = m > 0 ? Math.fround(m / 127) : 1;
      wScale[o] = s;
      for (let i = 0; i < per; i++) wq[o * per + i] = Math.max(-127, Math.min(127, Math.round(w[o * per + i] / s)));
      // the bias is added in the int32 accumulator, so its scale is input scale x weight scale
      bScale[o] = Math.fround(xd.scale * s);
      bq[o] = Math.max(-(2 ** 31), Math.min(2 ** 31 - 1, Math.round(b[o] / bScale[o])));
    }
    const dq = (data: Int8Array | Int32Array, shape: readonly number[], scale: Float32Array, tag: string): string => {
      const q = this.g.initializerInt(`${wName}.${tag}`, shape, data);
      const s = this.g.initializerF32(`${wName}.${tag}_scale`, [nOut], scale);
      const z = this.g.initializerInt(`${wName}.${tag}_zero`, [nOut], data instanceof Int8Array ? new Int8Array(nOut) : new Int32Array(nOut));
      return this.g.node('DequantizeLinear', [q, s, z], 1, { axis: 0 })[0];
    };
    const yRaw = this.g.node('Conv', [xd.name, dq(wq, wShape, wScale, 'int8'), dq(bq, [nOut], bScale, 'bias_int32')], 1, attrs)[0];
    return this.fakeQuant(yRaw, r.outLo, r.outHi).name;
  }

  private weight(key: string, rank: number): NdArray {
    return requireTensor(this.tensors, key, rank);
  }

  /** BatchNormalization; with channelScale, output channel c divided by channelScale[c] (its weight
   *  and bias are, so the op stays one BN). */
  private bn(prefix: string, x: string, channelScale?: Float64Array): string {
    const names = ['weight', 'bias', 'running_mean', 'running_var'].map((s) => {
      const t = this.weight(`${prefix}.${s}`, 1);
      let v = f32(t);
      if (channelScale && (s === 'weight' || s === 'bias')) v = v.map((a, c) => a / channelScale[c]);
      return this.g.initializerF32(`${prefix}.${s}`, t.shape, v);
    });
    return this.g.node('BatchNormalization', [x, ...names], 1, { epsilon: { float: BN_EPS } })[0];
  }

  /** bc: BN -> ReLU -> conv (pre-activation, keys .0 and .2). BN cannot be folded: ReLU and the
   *  conv's zero padding sit between them (1.12). In an int8 build with channel maxima for this
   *  conv (below the first level), its input channels are equalized (equalizationScales): BN
   *  output channel c / s_c, the conv's weights of input channel c x s_c. */
  bc(prefix: string, x: string): string {
    const wT = this.weight(`${prefix}.2.weight`, 4);
    let w = f32(wT);
    const range = this.opts.int8Ranges?.[this.convCount];
    let s: Float64Array | undefined;
    let equalizedRange: ConvActivationRange | undefined;
    if (range?.inChannelHi && wT.shape[0] > this.firstLevelChannels) {
      const channelHi = range.inChannelHi;
      const scales = equalizationScales(w, wT.shape, channelHi);
      const [nOut, nIn] = wT.shape;
      const per = w.length / (nOut * nIn);
      w = w.map((v, i) => v * scales[Math.floor(i / per) % nIn]);
      // the input is a ReLU output: its range starts at 0
      equalizedRange = { ...range, inLo: 0, inHi: Math.max(0, ...Array.from(scales, (sc, c) => channelHi[c] / sc)) };
      s = scales;
    }
    const r = this.g.node('Relu', [this.bn(`${prefix}.0`, x, s)], 1)[0];
    return this.emitConv(r, `${prefix}.2.weight`, wT.shape, w, `${prefix}.2.bias`, f32(this.weight(`${prefix}.2.bias`, 1)), equalizedRange);
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
    return this.emitConv(x, `${prefix}.folded.weight`, [nOut, nIn, 1, 1], wf, `${prefix}.folded.bias`, bf);
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

/** Convert a CPnet state dict to a serialized ONNX ModelProto (float32 unless opts ask for the
 *  calibration or the int8 graph). */
export function buildCpnetOnnx(tensors: Map<string, NdArray>, opts: CpnetBuildOptions = {}): Uint8Array {
  const spec: CpnetSpec = describeCpnet(tensors);
  const g = new OnnxGraphWriter();
  const net = new CpnetGraph(g, tensors, opts, spec.nbase[1]);
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
  if (opts.int8Ranges && opts.int8Ranges.length !== net.convCount) {
    throw new Error(`int8 build: ${opts.int8Ranges.length} activation ranges for ${net.convCount} convolutions`);
  }

  return g.encode({
    graphName: 'cpnet',
    opset: CPNET_OPSET,
    inputs: [{ name: CPNET_INPUT, dims: ['N', spec.nchan, 'H', 'W'] }],
    outputs: [
      { name: CPNET_OUTPUT_FLOWS, dims: ['N', spec.nout, 'H', 'W'] },
      { name: CPNET_OUTPUT_STYLE, dims: ['N', spec.styleDim] },
      ...net.calibOutputs,
    ],
    docString: `Cellpose 3 CPnet nbase [${spec.nbase.join(',')}] nout ${spec.nout}; diam_mean ${spec.diamMeanPx ?? 'none'}; diam_labels ${spec.diamLabelsPx ?? 'none'}`,
  });
}
