// The .npy container (GUI_AND_FORMATS.md D.1): magic, version, a Python-dict header, then raw
// element bytes or, for object arrays (every _seg.npy), a pickle of the array.
import { BYTES_PER_ELEMENT, type DType, type NdArray } from '../array/ndarray.ts';
import { FormatError } from '../errors.ts';
import { latin1Decode, textDecoder } from '../util/platform.ts';
import { decodeNumeric, decodeStrings, parseDescr } from './pickle/numpy-data.ts';
import { unpickle } from './pickle/reader.ts';
import { concatBytes, pickleValueParts, type PickleWriteOptions } from './pickle/writer.ts';
import { ObjectArray, type PyValue } from './pickle/values.ts';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
/** numpy >= 1.14 aligns the data start to 64 bytes. */
const ARRAY_ALIGN = 64;
/** numpy >= 1.24 reserves room in the header so the growth axis can get longer in place. */
const GROWTH_AXIS_MAX_DIGITS = 21;

export interface NpyHeader {
  descr: string;
  fortranOrder: boolean;
  shape: number[];
  /** Byte offset of the array data. */
  dataOffset: number;
  version: number;
}

type HeaderValue = string | number | boolean | null | HeaderValue[] | Map<string, HeaderValue>;

/** A tiny parser for the header's Python literal: dicts, tuples/lists, quoted strings, ints, True/False/None. */
function parseLiteral(text: string): HeaderValue {
  let i = 0;
  const ws = (): void => {
    while (i < text.length && /\s/.test(text[i])) i++;
  };
  const value = (depth: number): HeaderValue => {
    if (depth > 16) throw new FormatError('npy header nests too deeply');
    ws();
    const c = text[i];
    if (c === '{' || c === '(' || c === '[') {
      const close = c === '{' ? '}' : c === '(' ? ')' : ']';
      i++;
      const items: HeaderValue[] = [];
      const dict = new Map<string, HeaderValue>();
      for (;;) {
        ws();
        if (text[i] === close) {
          i++;
          break;
        }
        const v = value(depth + 1);
        if (c === '{') {
          ws();
          if (text[i] !== ':' || typeof v !== 'string') throw new FormatError('npy header dict is malformed');
          i++;
          dict.set(v, value(depth + 1));
        } else items.push(v);
        ws();
        if (text[i] === ',') i++;
        else if (text[i] !== close) throw new FormatError(`npy header: unexpected '${text[i] ?? 'end'}' at ${i}`);
      }
      return c === '{' ? dict : items;
    }
    if (c === "'" || c === '"') {
      const end = text.indexOf(c, i + 1);
      if (end < 0) throw new FormatError('npy header: unterminated string');
      const s = text.slice(i + 1, end);
      i = end + 1;
      return s;
    }
    const m = /^(-?\d+|True|False|None)/.exec(text.slice(i, i + 40));
    if (!m) throw new FormatError(`npy header: cannot parse at '${text.slice(i, i + 10)}'`);
    i += m[0].length;
    if (m[0] === 'True') return true;
    if (m[0] === 'False') return false;
    if (m[0] === 'None') return null;
    return Number(m[0]);
  };
  const v = value(0);
  ws();
  if (i !== text.length) throw new FormatError('npy header: trailing text');
  return v;
}

export function readNpyHeader(bytes: Uint8Array): NpyHeader {
  if (bytes.length < 10 || MAGIC.some((b, k) => bytes[k] !== b)) throw new FormatError('not a .npy file (bad magic)');
  const version = bytes[6];
  if (version < 1 || version > 3) throw new FormatError(`unsupported .npy version ${version}.${bytes[7]}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lenSize = version === 1 ? 2 : 4;
  if (bytes.length < 8 + lenSize) throw new FormatError('.npy header truncated');
  const hlen = version === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = 8 + lenSize;
  if (start + hlen > bytes.length) throw new FormatError(`.npy header declares ${hlen} bytes, file has ${bytes.length - start}`);
  const raw = bytes.subarray(start, start + hlen);
  const text = version === 3 ? textDecoder('utf-8').decode(raw) : latin1Decode(raw);
  const d = parseLiteral(text.trim());
  if (!(d instanceof Map)) throw new FormatError('.npy header is not a dict');
  const descr = d.get('descr');
  const fortran = d.get('fortran_order');
  const shape = d.get('shape');
  if (typeof descr !== 'string') throw new FormatError(`.npy header 'descr' ${Array.isArray(descr) ? 'is a structured dtype (unsupported)' : 'is missing'}`);
  if (typeof fortran !== 'boolean') throw new FormatError(".npy header 'fortran_order' is missing");
  if (!Array.isArray(shape) || shape.some((s) => typeof s !== 'number' || !Number.isSafeInteger(s) || s < 0)) {
    throw new FormatError(".npy header 'shape' is not a tuple of non-negative ints");
  }
  return { descr, fortranOrder: fortran, shape: shape as number[], dataOffset: start + hlen, version };
}

/**
 * Read a .npy file. Plain dtypes give an NdArray (C order; float16 widened to float32); object
 * arrays give the unpickled value (an ObjectArray; `npyItem` unwraps a 0-d one like `.item()`).
 */
export function readNpy(bytes: Uint8Array): NdArray | PyValue {
  const h = readNpyHeader(bytes);
  const spec = parseDescr(h.descr);
  const body = bytes.subarray(h.dataOffset);
  if (spec.kind === 'O') return unpickle(body);
  let count = 1;
  for (const d of h.shape) count *= d;
  const nbytes = count * spec.itemsize;
  if (!Number.isSafeInteger(nbytes) || nbytes > body.length) {
    throw new FormatError(`.npy data truncated: shape (${h.shape.join(', ')}) needs ${nbytes} bytes, file has ${body.length}`);
  }
  const data = body.subarray(0, nbytes);
  if (spec.kind === 'U' || spec.kind === 'S') return decodeStrings(data, spec, h.shape, h.fortranOrder);
  return decodeNumeric(data, spec, h.shape, h.fortranOrder);
}

/** numpy's `.item()` for a 0-d object array (what `np.load(f, allow_pickle=True).item()` returns). */
export function npyItem(v: NdArray | PyValue): PyValue {
  if (v instanceof ObjectArray && v.shape.length === 0 && v.items.length === 1) return v.items[0];
  throw new FormatError('.npy does not hold a single pickled object (expected a 0-d object array)');
}

export function descrOf(dtype: DType): string {
  switch (dtype) {
    case 'bool':
      return '|b1';
    case 'uint8':
      return '|u1';
    case 'int8':
      return '|i1';
    case 'uint16':
      return '<u2';
    case 'int16':
      return '<i2';
    case 'uint32':
      return '<u4';
    case 'int32':
      return '<i4';
    case 'float32':
      return '<f4';
    case 'float64':
      return '<f8';
    case 'int64':
      return '<i8';
    case 'uint64':
      return '<u8';
  }
}

/** repr() of a shape tuple: `()`, `(5,)`, `(2, 3)`. */
function shapeRepr(shape: readonly number[]): string {
  if (shape.length === 1) return `(${shape[0]},)`;
  return `(${shape.join(', ')})`;
}

/** The v1.0 header bytes numpy (>= 1.24) writes for this descr/shape, data start aligned to 64. */
export function npyHeaderBytes(descr: string, shape: readonly number[], fortranOrder = false): Uint8Array {
  let header = `{'descr': '${descr}', 'fortran_order': ${fortranOrder ? 'True' : 'False'}, 'shape': ${shapeRepr(shape)}, }`;
  if (shape.length > 0) {
    const growth = shape[fortranOrder ? shape.length - 1 : 0];
    header += ' '.repeat(Math.max(0, GROWTH_AXIS_MAX_DIGITS - String(growth).length));
  }
  const hlen = header.length + 1; // + '\n'
  // numpy pads with a full block when already aligned (its formula never gives 0).
  const pad = ARRAY_ALIGN - ((MAGIC.length + 2 + 2 + hlen) % ARRAY_ALIGN);
  const total = MAGIC.length + 4 + hlen + pad;
  if (hlen + pad > 0xffff) throw new FormatError('npy header too long for version 1.0');
  const out = new Uint8Array(total);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, hlen + pad, true);
  let p = 10;
  for (let i = 0; i < header.length; i++) out[p++] = header.charCodeAt(i);
  for (let i = 0; i < pad; i++) out[p++] = 0x20;
  out[p] = 0x0a;
  return out;
}

/** Write an NdArray as a v1.0 .npy file, byte-identical to numpy's np.save of a C-ordered array. */
export function writeNpy(a: NdArray): Uint8Array {
  const head = npyHeaderBytes(descrOf(a.dtype), a.shape);
  const nbytes = a.data.length * BYTES_PER_ELEMENT[a.dtype];
  const out = new Uint8Array(head.length + nbytes);
  out.set(head, 0);
  // Typed arrays are little-endian on every platform this app runs on (x86, ARM).
  out.set(new Uint8Array(a.data.buffer, a.data.byteOffset, nbytes), head.length);
  return out;
}

/**
 * What `np.save(path, value, allow_pickle=True)` writes for a Python object (a dict for
 * _seg.npy): a 0-d object array, pickled (D.2, D.10).
 */
export function writeNpyPickled(value: PyValue, opts: PickleWriteOptions = {}): Uint8Array {
  return concatBytes(writeNpyPickledParts(value, opts));
}

/** writeNpyPickled in pieces, array data as views of the arrays (pickleValueParts): for writing a
 *  large file without a copy of it in memory, when nothing changes the arrays until it is written. */
export function writeNpyPickledParts(value: PyValue, opts: PickleWriteOptions = {}): Uint8Array[] {
  return [npyHeaderBytes('|O', []), ...pickleValueParts(new ObjectArray([], [value]), opts)];
}
