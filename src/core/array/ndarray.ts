// NdArray: a typed array with a shape and a dtype, row-major (C order), as numpy holds it.

export type DType =
  | 'bool'
  | 'uint8'
  | 'int8'
  | 'uint16'
  | 'int16'
  | 'uint32'
  | 'int32'
  | 'float32'
  | 'float64'
  | 'int64'
  | 'uint64';

export type TypedArray =
  | Uint8Array
  | Int8Array
  | Uint16Array
  | Int16Array
  | Uint32Array
  | Int32Array
  | Float32Array
  | Float64Array
  | BigInt64Array
  | BigUint64Array;

export interface DTypeMap {
  bool: Uint8Array;
  uint8: Uint8Array;
  int8: Int8Array;
  uint16: Uint16Array;
  int16: Int16Array;
  uint32: Uint32Array;
  int32: Int32Array;
  float32: Float32Array;
  float64: Float64Array;
  int64: BigInt64Array;
  uint64: BigUint64Array;
}

export interface NdArray<D extends DType = DType> {
  readonly data: DTypeMap[D];
  readonly shape: readonly number[];
  readonly dtype: D;
}

export const BYTES_PER_ELEMENT: Record<DType, number> = {
  bool: 1,
  uint8: 1,
  int8: 1,
  uint16: 2,
  int16: 2,
  uint32: 4,
  int32: 4,
  float32: 4,
  float64: 8,
  int64: 8,
  uint64: 8,
};

/** Number of elements of a shape (1 for a 0-d shape). */
export function shapeSize(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function allocTyped<D extends DType>(dtype: D, length: number): DTypeMap[D] {
  switch (dtype) {
    case 'bool':
    case 'uint8':
      return new Uint8Array(length) as DTypeMap[D];
    case 'int8':
      return new Int8Array(length) as DTypeMap[D];
    case 'uint16':
      return new Uint16Array(length) as DTypeMap[D];
    case 'int16':
      return new Int16Array(length) as DTypeMap[D];
    case 'uint32':
      return new Uint32Array(length) as DTypeMap[D];
    case 'int32':
      return new Int32Array(length) as DTypeMap[D];
    case 'float32':
      return new Float32Array(length) as DTypeMap[D];
    case 'float64':
      return new Float64Array(length) as DTypeMap[D];
    case 'int64':
      return new BigInt64Array(length) as DTypeMap[D];
    case 'uint64':
      return new BigUint64Array(length) as DTypeMap[D];
    default: {
      const never: never = dtype;
      throw new Error(`unknown dtype ${String(never)}`);
    }
  }
}

export function zeros<D extends DType>(dtype: D, shape: readonly number[]): NdArray<D> {
  return { data: allocTyped(dtype, shapeSize(shape)), shape: [...shape], dtype };
}

export function ndarray<D extends DType>(dtype: D, shape: readonly number[], data: DTypeMap[D]): NdArray<D> {
  const n = shapeSize(shape);
  if (data.length !== n) {
    throw new Error(`data length ${data.length} does not match shape [${shape.join(', ')}] (${n} elements)`);
  }
  return { data, shape: [...shape], dtype };
}

/** Row-major strides in elements. */
export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

/** Read element i as a JS number (bigint dtypes are converted, losing precision above 2^53). */
export function getNumber(a: NdArray, i: number): number {
  const v = a.data[i];
  return typeof v === 'bigint' ? Number(v) : v;
}

/** A float32 copy of any numeric array. */
export function toFloat32(a: NdArray): NdArray<'float32'> {
  const out = new Float32Array(a.data.length);
  const d = a.data;
  if (d instanceof BigInt64Array || d instanceof BigUint64Array) {
    for (let i = 0; i < d.length; i++) out[i] = Number(d[i]);
  } else {
    out.set(d);
  }
  return { data: out, shape: [...a.shape], dtype: 'float32' };
}

export function isIntegerDType(dtype: DType): boolean {
  return dtype !== 'float32' && dtype !== 'float64';
}
