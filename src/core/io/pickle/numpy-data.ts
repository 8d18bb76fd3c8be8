// numpy dtype strings ('<u2', '|b1', '>f8', 'O8', '<U5') and raw element bytes -> NdArray.
// Shared by the .npy reader (header `descr`) and the pickle reader (ndarray __setstate__).
import { allocTyped, stridesOf, type DType, type NdArray, type TypedArray } from '../../array/ndarray.ts';
import { FormatError } from '../../errors.ts';
import { ObjectArray, type PyValue } from './values.ts';

export type NumpyKind = 'b' | 'u' | 'i' | 'f' | 'c' | 'O' | 'U' | 'S' | 'V' | 'M' | 'm';

export interface NumpyDtypeSpec {
  readonly kind: NumpyKind;
  /** Bytes per element. */
  readonly itemsize: number;
  readonly bigEndian: boolean;
}

const KINDS = new Set<string>(['b', 'u', 'i', 'f', 'c', 'O', 'U', 'S', 'V', 'M', 'm']);

/**
 * Parse a numpy type string. `U<n>` counts characters (4 bytes each), every other kind bytes.
 * A missing byte-order char means native, which for every file we meet is little-endian.
 */
export function parseDescr(descr: string): NumpyDtypeSpec {
  const m = /^([<>|=]?)([a-zA-Z])(\d*)(\[[a-zA-Z0-9]+\])?$/.exec(descr);
  if (!m || !KINDS.has(m[2])) throw new FormatError(`unsupported numpy dtype '${descr}'`);
  const kind = m[2] as NumpyKind;
  let n = m[3] === '' ? (kind === 'O' ? 8 : kind === 'b' ? 1 : NaN) : Number(m[3]);
  if (kind === 'U') n *= 4;
  if (!Number.isSafeInteger(n) || n < 0 || n > 1 << 30) throw new FormatError(`unsupported numpy dtype '${descr}'`);
  return { kind, itemsize: n, bigEndian: m[1] === '>' };
}

/** The NdArray dtype a numeric numpy dtype decodes to (float16 widens to float32: no Float16Array in ES2022). */
export function ndDtypeOf(spec: NumpyDtypeSpec): DType {
  const { kind, itemsize } = spec;
  if (kind === 'b' && itemsize === 1) return 'bool';
  if (kind === 'u') {
    if (itemsize === 1) return 'uint8';
    if (itemsize === 2) return 'uint16';
    if (itemsize === 4) return 'uint32';
    if (itemsize === 8) return 'uint64';
  }
  if (kind === 'i') {
    if (itemsize === 1) return 'int8';
    if (itemsize === 2) return 'int16';
    if (itemsize === 4) return 'int32';
    if (itemsize === 8) return 'int64';
  }
  if (kind === 'f') {
    if (itemsize === 2 || itemsize === 4) return 'float32';
    if (itemsize === 8) return 'float64';
  }
  throw new FormatError(`unsupported numpy dtype '${spec.kind}${spec.itemsize}'`);
}

/** Validate a shape and return its element count; refuses negative, fractional or absurd dims. */
export function checkedShapeSize(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) throw new FormatError(`invalid array dimension ${String(d)} in shape (${shape.join(', ')})`);
    n *= d;
    if (n > Number.MAX_SAFE_INTEGER) throw new FormatError(`array shape (${shape.join(', ')}) is too large`);
  }
  return n;
}

export function float16ToFloat32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** bfloat16 is the top half of a float32. */
export function bfloat16ToFloat32(b: number): number {
  const v = new DataView(new ArrayBuffer(4));
  v.setUint32(0, b << 16);
  return v.getFloat32(0);
}

/** Reorder column-major (Fortran) data of `shape` into row-major order. */
export function fortranToC<T extends TypedArray>(src: T, shape: readonly number[], out: T): T {
  const nd = shape.length;
  if (nd < 2) {
    out.set(src as never);
    return out;
  }
  const cStrides = stridesOf(shape);
  const idx = new Array<number>(nd).fill(0);
  let dst = 0;
  for (let i = 0; i < src.length; i++) {
    out[dst] = src[i];
    // Advance the multi-index with the first axis fastest (Fortran order).
    for (let k = 0; k < nd; k++) {
      idx[k]++;
      dst += cStrides[k];
      if (idx[k] < shape[k]) break;
      dst -= cStrides[k] * idx[k];
      idx[k] = 0;
    }
  }
  return out;
}

/**
 * Decode `count` raw numpy elements into a C-ordered NdArray. `bytes` must hold exactly
 * itemsize x prod(shape) bytes (numpy itself rejects a size mismatch).
 */
export function decodeNumeric(bytes: Uint8Array, spec: NumpyDtypeSpec, shape: readonly number[], fortran: boolean): NdArray {
  const dtype = ndDtypeOf(spec);
  const count = checkedShapeSize(shape);
  if (bytes.length !== count * spec.itemsize) {
    throw new FormatError(
      `array data has ${bytes.length} bytes, expected ${count * spec.itemsize} for ${count} elements of ${spec.kind}${spec.itemsize}`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const le = !spec.bigEndian;
  let flat: TypedArray;
  if (spec.kind === 'f' && spec.itemsize === 2) {
    const f = new Float32Array(count);
    for (let i = 0; i < count; i++) f[i] = float16ToFloat32(view.getUint16(2 * i, le));
    flat = f;
  } else if (spec.itemsize === 1) {
    const u = allocTyped(dtype, count);
    (u as Uint8Array | Int8Array).set(dtype === 'int8' ? new Int8Array(bytes.buffer, bytes.byteOffset, count) : bytes);
    if (dtype === 'bool') for (let i = 0; i < count; i++) u[i] = u[i] ? 1 : 0;
    flat = u;
  } else {
    // Copy into a fresh, aligned buffer (the source offset inside the pickle is arbitrary), then
    // swap bytes in place for big-endian data.
    const copy = bytes.slice();
    if (!le) {
      const s = spec.itemsize;
      for (let i = 0; i < copy.length; i += s) copy.subarray(i, i + s).reverse();
    }
    flat = typedView(dtype, copy.buffer, count);
  }
  if (fortran && shape.length > 1) flat = fortranToC(flat, shape, allocTyped(dtype, count));
  return { data: flat, shape: [...shape], dtype } as NdArray;
}

function typedView(dtype: DType, buf: ArrayBuffer, count: number): TypedArray {
  switch (dtype) {
    case 'uint16':
      return new Uint16Array(buf, 0, count);
    case 'int16':
      return new Int16Array(buf, 0, count);
    case 'uint32':
      return new Uint32Array(buf, 0, count);
    case 'int32':
      return new Int32Array(buf, 0, count);
    case 'float32':
      return new Float32Array(buf, 0, count);
    case 'float64':
      return new Float64Array(buf, 0, count);
    case 'int64':
      return new BigInt64Array(buf, 0, count);
    case 'uint64':
      return new BigUint64Array(buf, 0, count);
    default:
      throw new FormatError(`unsupported dtype ${dtype}`);
  }
}

/** Decode fixed-width str ('U') or bytes ('S') arrays into an ObjectArray of strings, trailing NULs dropped as numpy does. */
export function decodeStrings(bytes: Uint8Array, spec: NumpyDtypeSpec, shape: readonly number[], fortran: boolean): ObjectArray {
  const count = checkedShapeSize(shape);
  // A zero-width str dtype would let a tiny file declare billions of empty strings.
  if (spec.itemsize === 0 && count > 0) throw new FormatError(`zero-width string dtype ${spec.kind}0 is not supported`);
  if (bytes.length !== count * spec.itemsize) {
    throw new FormatError(`string array data has ${bytes.length} bytes, expected ${count * spec.itemsize}`);
  }
  const items: PyValue[] = [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < count; i++) {
    const base = i * spec.itemsize;
    let s = '';
    if (spec.kind === 'U') {
      for (let k = 0; k < spec.itemsize; k += 4) {
        const cp = view.getUint32(base + k, !spec.bigEndian);
        if (cp > 0x10ffff) throw new FormatError(`invalid code point ${cp} in a str array`);
        s += String.fromCodePoint(cp);
      }
    } else {
      for (let k = 0; k < spec.itemsize; k++) s += String.fromCharCode(bytes[base + k]);
    }
    items.push(s.replace(/\0+$/, ''));
  }
  if (fortran && shape.length > 1) {
    const order = fortranToC(Float64Array.from(items, (_, i) => i), shape, new Float64Array(count));
    return new ObjectArray([...shape], Array.from(order, (j) => items[j]));
  }
  return new ObjectArray([...shape], items);
}

/** Decode a 0-d element (a numpy scalar's raw bytes) to a JS value. */
export function decodeScalar(bytes: Uint8Array, spec: NumpyDtypeSpec): PyValue {
  if (spec.kind === 'U' || spec.kind === 'S') return decodeStrings(bytes, spec, [], false).items[0];
  const a = decodeNumeric(bytes, spec, [], false);
  const v = a.data[0];
  if (a.dtype === 'bool') return v !== 0;
  return v;
}
