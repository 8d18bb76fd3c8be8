// A tiny helper around onnx-proto for writing an inference graph: unique value names, float32
// initializers as raw little-endian bytes, and node/attribute construction with ONNX types.
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

/** Attribute strings here are ONNX enum words (ASCII). */
function asciiBytes(s: string): Uint8Array {
  const b = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i) & 0x7f;
  return b;
}

export type AttrValue = number | number[] | string | { float: number } | { ints: number[] };

export class OnnxGraphWriter {
  private readonly nodes: onnxProto.onnx.INodeProto[] = [];
  private readonly inits: onnxProto.onnx.ITensorProto[] = [];
  private counter = 0;

  /** A fresh value name with a readable prefix. */
  name(prefix: string): string {
    return `${prefix}_${this.counter++}`;
  }

  initializerF32(name: string, dims: readonly number[], values: Float32Array): string {
    const bytes = new Uint8Array(values.buffer.slice(values.byteOffset, values.byteOffset + values.byteLength));
    this.inits.push({ name, dims: [...dims], dataType: onnx.TensorProto.DataType.FLOAT, rawData: bytes });
    return name;
  }

  /** An int8 / uint8 / int32 initializer (quantized weights, zero points, quantized biases). dims []
   *  is a scalar. */
  initializerInt(name: string, dims: readonly number[], values: Int8Array | Uint8Array | Int32Array): string {
    const dataType =
      values instanceof Int8Array ? onnx.TensorProto.DataType.INT8 : values instanceof Uint8Array ? onnx.TensorProto.DataType.UINT8 : onnx.TensorProto.DataType.INT32;
    const bytes = new Uint8Array(values.buffer.slice(values.byteOffset, values.byteOffset + values.byteLength));
    this.inits.push({ name, dims: [...dims], dataType, rawData: bytes });
    return name;
  }

  initializerI64(name: string, values: readonly number[]): string {
    const b = new BigInt64Array(values.map((v) => BigInt(v)));
    this.inits.push({ name, dims: [values.length], dataType: onnx.TensorProto.DataType.INT64, rawData: new Uint8Array(b.buffer) });
    return name;
  }

  node(opType: string, inputs: string[], outputCount: number, attrs: Record<string, AttrValue> = {}, outputs?: string[]): string[] {
    const outs = outputs ?? Array.from({ length: outputCount }, () => this.name(opType.toLowerCase()));
    const attribute: onnxProto.onnx.IAttributeProto[] = [];
    for (const [key, v] of Object.entries(attrs)) {
      if (typeof v === 'string') attribute.push({ name: key, type: onnx.AttributeProto.AttributeType.STRING, s: asciiBytes(v) });
      else if (typeof v === 'number') attribute.push({ name: key, type: onnx.AttributeProto.AttributeType.INT, i: v });
      else if (Array.isArray(v)) attribute.push({ name: key, type: onnx.AttributeProto.AttributeType.INTS, ints: v });
      else if ('float' in v) attribute.push({ name: key, type: onnx.AttributeProto.AttributeType.FLOAT, f: v.float });
      else attribute.push({ name: key, type: onnx.AttributeProto.AttributeType.INTS, ints: v.ints });
    }
    this.nodes.push({ opType, input: inputs, output: outs, name: outs[0], attribute });
    return outs;
  }

  /** Serialise as a ModelProto. Dims given as strings are symbolic (dynamic). */
  encode(opts: {
    graphName: string;
    opset: number;
    inputs: { name: string; dims: (number | string)[] }[];
    outputs: { name: string; dims: (number | string)[] }[];
    docString: string;
  }): Uint8Array {
    const valueInfo = (v: { name: string; dims: (number | string)[] }): onnxProto.onnx.IValueInfoProto => ({
      name: v.name,
      type: {
        tensorType: {
          elemType: onnx.TensorProto.DataType.FLOAT,
          shape: { dim: v.dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) },
        },
      },
    });
    const model = onnx.ModelProto.create({
      irVersion: 8,
      producerName: 'cellpose-studio',
      producerVersion: '0.1.0',
      docString: opts.docString,
      opsetImport: [{ domain: '', version: opts.opset }],
      graph: {
        name: opts.graphName,
        node: this.nodes,
        initializer: this.inits,
        input: opts.inputs.map(valueInfo),
        output: opts.outputs.map(valueInfo),
      },
    });
    return onnx.ModelProto.encode(model).finish();
  }
}
