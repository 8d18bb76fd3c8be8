// Pickle writer for numpy-loadable value trees, following GUI_AND_FORMATS.md D.10: protocol 3,
// `numpy.core.multiarray` globals (loadable by numpy 1.x and, through its compatibility shim,
// numpy 2.x), no memo opcodes (every object is written in full, which numpy accepts).
import { BYTES_PER_ELEMENT, type DType, type NdArray } from '../../array/ndarray.ts';
import { FormatError } from '../../errors.ts';
import { utf8Encode } from '../../util/platform.ts';
import { OP } from './opcodes.ts';
import { isNdArray, NumpyScalar, ObjectArray, PyDict, PyFloat, PyTuple, type PyKey, type PyValue } from './values.ts';

export interface PickleWriteOptions {
  /** 3 (numpy 1.17-1.26 np.save) or 4 (numpy 2.x). Buffers >= 4 GiB need 4. */
  protocol?: 3 | 4;
  /** 'numpy.core' (default, readable everywhere) or 'numpy._core' (numpy 2 / numpy >= 1.26.1). */
  numpyModule?: 'numpy.core' | 'numpy._core';
}

/** Python batches APPENDS/SETITEMS by 1000; numpy does not care, but matching keeps streams familiar. */
const BATCH = 1000;
const MAX_DEPTH = 256;

class ByteSink {
  private parts: Uint8Array[] = [];
  private buf = new Uint8Array(1 << 16);
  private n = 0;
  private flush(): void {
    if (this.n > 0) this.parts.push(this.buf.slice(0, this.n));
    this.n = 0;
  }
  byte(b: number): void {
    if (this.n === this.buf.length) this.flush();
    this.buf[this.n++] = b;
  }
  bytes(b: Uint8Array): void {
    if (b.length > 4096) {
      this.flush();
      this.parts.push(b);
      return;
    }
    for (let i = 0; i < b.length; i++) this.byte(b[i]);
  }
  u16(v: number): void {
    this.byte(v & 0xff);
    this.byte((v >>> 8) & 0xff);
  }
  u32(v: number): void {
    for (let k = 0; k < 4; k++) this.byte(Math.floor(v / 2 ** (8 * k)) & 0xff);
  }
  u64(v: number): void {
    this.u32(v % 2 ** 32);
    this.u32(Math.floor(v / 2 ** 32));
  }
  /** The stream as written: small opcodes batched into 64 KiB pieces, array data as views of the
   *  arrays themselves (no copy). */
  finish(): Uint8Array[] {
    this.flush();
    return this.parts;
  }
}

/** One buffer holding the parts in order (the only copy of the data). */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const p of parts) total += p.length;
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

const TYPESTR: Record<DType, string> = {
  bool: 'b1',
  uint8: 'u1',
  int8: 'i1',
  uint16: 'u2',
  int16: 'i2',
  uint32: 'u4',
  int32: 'i4',
  float32: 'f4',
  float64: 'f8',
  int64: 'i8',
  uint64: 'u8',
};

class PickleWriter {
  private readonly out = new ByteSink();
  private readonly protocol: 3 | 4;
  private readonly multiarray: string;
  constructor(opts: PickleWriteOptions) {
    this.protocol = opts.protocol ?? 3;
    this.multiarray = `${opts.numpyModule ?? 'numpy.core'}.multiarray`;
  }

  run(v: PyValue): Uint8Array[] {
    this.out.byte(OP.PROTO);
    this.out.byte(this.protocol);
    this.value(v, 0);
    this.out.byte(OP.STOP);
    return this.out.finish();
  }

  private global(module: string, name: string): void {
    this.out.byte(OP.GLOBAL);
    this.out.bytes(utf8Encode(`${module}\n${name}\n`));
  }
  private str(s: string): void {
    const b = utf8Encode(s);
    this.out.byte(OP.BINUNICODE);
    this.out.u32(b.length);
    this.out.bytes(b);
  }
  private rawBytes(b: Uint8Array): void {
    if (b.length < 256) {
      this.out.byte(OP.SHORT_BINBYTES);
      this.out.byte(b.length);
    } else if (b.length < 2 ** 32) {
      this.out.byte(OP.BINBYTES);
      this.out.u32(b.length);
    } else {
      if (this.protocol < 4) throw new FormatError('byte buffers of 4 GiB or more need pickle protocol 4');
      this.out.byte(OP.BINBYTES8);
      this.out.u64(b.length);
    }
    this.out.bytes(b);
  }
  private int(v: number | bigint): void {
    if (typeof v === 'number' && !Number.isSafeInteger(v)) throw new FormatError(`cannot pickle ${v} as an int`);
    const n = typeof v === 'bigint' ? v : BigInt(v);
    if (n >= 0n && n < 256n) {
      this.out.byte(OP.BININT1);
      this.out.byte(Number(n));
    } else if (n >= 0n && n < 65536n) {
      this.out.byte(OP.BININT2);
      this.out.u16(Number(n));
    } else if (n >= -(2n ** 31n) && n < 2n ** 31n) {
      this.out.byte(OP.BININT);
      this.out.u32(Number(BigInt.asUintN(32, n)));
    } else {
      // LONG1: minimal little-endian two's complement.
      const bytes: number[] = [];
      let x = n;
      for (;;) {
        bytes.push(Number(x & 0xffn));
        x >>= 8n;
        const signBit = (bytes[bytes.length - 1] & 0x80) !== 0;
        if ((x === 0n && !signBit) || (x === -1n && signBit)) break;
      }
      this.out.byte(OP.LONG1);
      this.out.byte(bytes.length);
      for (const b of bytes) this.out.byte(b);
    }
  }
  private float(v: number): void {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, v, false); // BINFLOAT is big-endian
    this.out.byte(OP.BINFLOAT);
    this.out.bytes(b);
  }
  private key(k: PyKey): void {
    if (k === null) this.out.byte(OP.NONE);
    else if (typeof k === 'boolean') this.out.byte(k ? OP.NEWTRUE : OP.NEWFALSE);
    else if (typeof k === 'string') this.str(k);
    else if (typeof k === 'bigint' || Number.isInteger(k)) this.int(k);
    else this.float(k);
  }

  /** numpy.dtype(typestr, False, True) + BUILD with the version-3 state of D.4. */
  private dtype(typestr: string, byteorder: string, flags: number): void {
    this.global('numpy', 'dtype');
    this.str(typestr);
    this.out.byte(OP.NEWFALSE);
    this.out.byte(OP.NEWTRUE);
    this.out.byte(OP.TUPLE3);
    this.out.byte(OP.REDUCE);
    this.out.byte(OP.MARK);
    this.int(3);
    this.str(byteorder);
    this.out.byte(OP.NONE);
    this.out.byte(OP.NONE);
    this.out.byte(OP.NONE);
    this.int(-1);
    this.int(-1);
    this.int(flags);
    this.out.byte(OP.TUPLE);
    this.out.byte(OP.BUILD);
  }

  /** _reconstruct(ndarray, (0,), b'b') then BUILD (1, shape, dtype, False, data). */
  private arrayPrologue(): void {
    this.global(this.multiarray, '_reconstruct');
    this.global('numpy', 'ndarray');
    this.int(0);
    this.out.byte(OP.TUPLE1);
    this.rawBytes(new Uint8Array([0x62])); // b'b'
    this.out.byte(OP.TUPLE3);
    this.out.byte(OP.REDUCE);
    this.out.byte(OP.MARK);
    this.int(1);
  }
  private shape(shape: readonly number[]): void {
    this.out.byte(OP.MARK);
    for (const d of shape) this.int(d);
    this.out.byte(OP.TUPLE);
  }
  private ndarray(a: NdArray): void {
    const nbytes = a.data.length * BYTES_PER_ELEMENT[a.dtype];
    let count = 1;
    for (const d of a.shape) count *= d;
    if (count !== a.data.length) throw new FormatError(`array data length ${a.data.length} does not match shape (${a.shape.join(', ')})`);
    this.arrayPrologue();
    this.shape(a.shape);
    this.dtype(TYPESTR[a.dtype], BYTES_PER_ELEMENT[a.dtype] === 1 ? '|' : '<', 0);
    this.out.byte(OP.NEWFALSE); // C order
    this.rawBytes(new Uint8Array(a.data.buffer, a.data.byteOffset, nbytes));
    this.out.byte(OP.TUPLE);
    this.out.byte(OP.BUILD);
  }
  private objectArray(a: ObjectArray, depth: number): void {
    this.arrayPrologue();
    this.shape(a.shape);
    this.dtype('O8', '|', 63);
    this.out.byte(OP.NEWFALSE);
    this.list(a.items, depth);
    this.out.byte(OP.TUPLE);
    this.out.byte(OP.BUILD);
  }
  private scalar(s: NumpyScalar): void {
    const size = BYTES_PER_ELEMENT[s.dtype];
    const b = new Uint8Array(size);
    const v = new DataView(b.buffer);
    const x = s.value;
    switch (s.dtype) {
      case 'bool':
        b[0] = x ? 1 : 0;
        break;
      case 'uint8':
        v.setUint8(0, Number(x));
        break;
      case 'int8':
        v.setInt8(0, Number(x));
        break;
      case 'uint16':
        v.setUint16(0, Number(x), true);
        break;
      case 'int16':
        v.setInt16(0, Number(x), true);
        break;
      case 'uint32':
        v.setUint32(0, Number(x), true);
        break;
      case 'int32':
        v.setInt32(0, Number(x), true);
        break;
      case 'float32':
        v.setFloat32(0, Number(x), true);
        break;
      case 'float64':
        v.setFloat64(0, Number(x), true);
        break;
      case 'int64':
        v.setBigInt64(0, BigInt(x), true);
        break;
      case 'uint64':
        v.setBigUint64(0, BigInt(x), true);
        break;
    }
    this.global(this.multiarray, 'scalar');
    this.dtype(TYPESTR[s.dtype], size === 1 ? '|' : '<', 0);
    this.rawBytes(b);
    this.out.byte(OP.TUPLE2);
    this.out.byte(OP.REDUCE);
  }
  private list(items: readonly PyValue[], depth: number): void {
    this.out.byte(OP.EMPTY_LIST);
    for (let i = 0; i < items.length; i += BATCH) {
      const batch = items.slice(i, i + BATCH);
      if (batch.length === 1) {
        this.value(batch[0], depth + 1);
        this.out.byte(OP.APPEND);
        continue;
      }
      this.out.byte(OP.MARK);
      for (const x of batch) this.value(x, depth + 1);
      this.out.byte(OP.APPENDS);
    }
  }

  private value(v: PyValue, depth: number): void {
    if (depth > MAX_DEPTH) throw new FormatError(`cannot pickle values nested deeper than ${MAX_DEPTH} levels (a cycle?)`);
    if (v === null) this.out.byte(OP.NONE);
    else if (typeof v === 'boolean') this.out.byte(v ? OP.NEWTRUE : OP.NEWFALSE);
    else if (typeof v === 'bigint') this.int(v);
    else if (typeof v === 'number') {
      if (Number.isSafeInteger(v)) this.int(v);
      else this.float(v);
    } else if (typeof v === 'string') this.str(v);
    else if (v instanceof PyFloat) this.float(v.value);
    else if (v instanceof NumpyScalar) this.scalar(v);
    else if (Array.isArray(v)) this.list(v, depth);
    else if (v instanceof PyTuple) {
      const n = v.items.length;
      if (n === 0) this.out.byte(OP.EMPTY_TUPLE);
      else if (n <= 3) {
        for (const x of v.items) this.value(x, depth + 1);
        this.out.byte(n === 1 ? OP.TUPLE1 : n === 2 ? OP.TUPLE2 : OP.TUPLE3);
      } else {
        this.out.byte(OP.MARK);
        for (const x of v.items) this.value(x, depth + 1);
        this.out.byte(OP.TUPLE);
      }
    } else if (v instanceof PyDict) {
      this.out.byte(OP.EMPTY_DICT);
      const entries = [...v.entries()];
      for (let i = 0; i < entries.length; i += BATCH) {
        this.out.byte(OP.MARK);
        for (const [k, x] of entries.slice(i, i + BATCH)) {
          this.key(k);
          this.value(x, depth + 1);
        }
        this.out.byte(OP.SETITEMS);
      }
    } else if (v instanceof ObjectArray) this.objectArray(v, depth);
    else if (isNdArray(v)) this.ndarray(v);
    else if (v instanceof Uint8Array) this.rawBytes(v);
    else throw new FormatError('cannot pickle a value of this type');
  }
}

/** Pickle a value tree. */
export function pickleValue(v: PyValue, opts: PickleWriteOptions = {}): Uint8Array {
  return concatBytes(pickleValueParts(v, opts));
}

/** The pickle stream in pieces, array data as views of the arrays (see ByteSink.finish): write
 *  them out before those arrays change. Saves one copy of every array. */
export function pickleValueParts(v: PyValue, opts: PickleWriteOptions = {}): Uint8Array[] {
  return new PickleWriter(opts).run(v);
}
