// WireArray (dtype + shape + bytes) to a typed array the renderer can index with numbers.
import type { WireArray } from '../../../shared/contract.ts';
import { BYTES_PER_ELEMENT, shapeSize } from '../../../core/array/ndarray.ts';
import type { NumericArray } from '../render/plane-geometry.ts';

export function numericView(a: WireArray): NumericArray {
  const n = shapeSize(a.shape);
  const bpe = BYTES_PER_ELEMENT[a.dtype];
  if (a.data.byteLength !== n * bpe) {
    throw new Error(`array of shape [${a.shape.join(', ')}] ${a.dtype} needs ${n * bpe} bytes, got ${a.data.byteLength}`);
  }
  switch (a.dtype) {
    case 'bool':
    case 'uint8':
      return new Uint8Array(a.data);
    case 'int8':
      return new Int8Array(a.data);
    case 'uint16':
      return new Uint16Array(a.data);
    case 'int16':
      return new Int16Array(a.data);
    case 'uint32':
      return new Uint32Array(a.data);
    case 'int32':
      return new Int32Array(a.data);
    case 'float32':
      return new Float32Array(a.data);
    case 'float64':
      return new Float64Array(a.data);
    case 'int64':
    case 'uint64': {
      // Display and readout need plain numbers; values above 2^53 lose precision, as in numpy's float cast.
      const src = a.dtype === 'int64' ? new BigInt64Array(a.data) : new BigUint64Array(a.data);
      const out = new Float64Array(src.length);
      for (let i = 0; i < src.length; i++) out[i] = Number(src[i]);
      return out;
    }
    default: {
      const never: never = a.dtype;
      throw new Error(`unknown dtype ${String(never)}`);
    }
  }
}

/** A label image from the wire (masks): only the integer types label images use. */
export function labelView(a: WireArray): Uint8Array | Uint16Array | Uint32Array | Int32Array {
  const v = numericView(a);
  if (v instanceof Uint8Array || v instanceof Uint16Array || v instanceof Uint32Array || v instanceof Int32Array) return v;
  throw new Error(`masks must be an unsigned or int32 label image, got ${a.dtype}`);
}
