// The allow-list of Python globals a pickle may name (GUI_AND_FORMATS.md D.7). Nothing is ever
// executed: each entry is a small TypeScript function that builds the value numpy/pathlib/
// collections would build. Any other global is refused by the reader with its module.name.
import { FormatError } from '../../errors.ts';
import { checkedShapeSize, decodeNumeric, decodeScalar, decodeStrings, parseDescr, type NumpyDtypeSpec } from './numpy-data.ts';

/** A global that REDUCE/NEWOBJ may call with an argument tuple. */
export class PickleCallable {
  constructor(
    readonly label: string,
    readonly call: (args: readonly unknown[]) => unknown,
  ) {}
}

/** A class named only as an argument (numpy.ndarray, torch.FloatStorage). */
export class ClassToken {
  constructor(readonly label: string) {}
}

/** Objects BUILD may complete (their `__setstate__`). */
export interface Buildable {
  build(state: unknown): void;
}

export function isBuildable(v: unknown): v is Buildable {
  return typeof v === 'object' && v !== null && typeof (v as { build?: unknown }).build === 'function';
}

/** Tuples as the reader holds them before the final conversion. */
export class RawTuple {
  constructor(readonly items: unknown[]) {}
}

/** Byte budget shared by one unpickling run: decoded arrays may not outgrow the input by much. */
export interface AllocBudget {
  remaining: number;
}

function charge(budget: AllocBudget, n: number): void {
  budget.remaining -= n;
  if (budget.remaining < 0) throw new FormatError('pickle decodes to far more data than the file holds (corrupt or hostile input)');
}

/** numpy.dtype(typestr, align, copy), completed by BUILD with the (version, byteorder, ..., elsize, ...) state. */
export class NumpyDtype implements Buildable {
  spec: NumpyDtypeSpec;
  constructor(readonly typestr: string) {
    this.spec = parseDescr(typestr);
  }
  build(state: unknown): void {
    if (!(state instanceof RawTuple) || state.items.length < 8) throw new FormatError('numpy dtype state is not an 8/9-tuple');
    const [, byteorder, , , , elsize] = state.items;
    let spec = this.spec;
    if (byteorder === '>' || byteorder === '<' || byteorder === '|' || byteorder === '=') {
      spec = { ...spec, bigEndian: byteorder === '>' };
    }
    // For flexible dtypes (str, bytes, void) the state's elsize is the authoritative byte size.
    if ((spec.kind === 'U' || spec.kind === 'S' || spec.kind === 'V') && typeof elsize === 'number' && elsize > 0) {
      spec = { ...spec, itemsize: elsize };
    }
    this.spec = spec;
  }
}

/** What _reconstruct returns: an empty ndarray that BUILD fills in (ndarray.__setstate__). */
export class ArrayPlaceholder implements Buildable {
  /** NdArray, or ObjectArray for object/str dtypes; undefined until BUILD. */
  value: unknown = undefined;
  constructor(private readonly budget: AllocBudget) {}
  build(state: unknown): void {
    if (!(state instanceof RawTuple)) throw new FormatError('ndarray state is not a tuple');
    // Version 1 is a 5-tuple; the legacy version 0 is the same without the leading version.
    const it = state.items.length === 5 ? state.items.slice(1) : state.items;
    if (it.length !== 4) throw new FormatError(`ndarray state has ${state.items.length} items, expected 4 or 5`);
    const [shapeRaw, dtype, fortranRaw, data] = it;
    const shape = toShape(shapeRaw);
    if (!(dtype instanceof NumpyDtype)) throw new FormatError('ndarray state has no numpy dtype');
    const fortran = fortranRaw === true || fortranRaw === 1;
    const spec = dtype.spec;
    if (spec.kind === 'O') {
      if (!Array.isArray(data)) throw new FormatError('object ndarray state data is not a list');
      const n = checkedShapeSize(shape);
      if (data.length !== n) throw new FormatError(`object ndarray has ${data.length} items for shape (${shape.join(', ')})`);
      // Object data lists are in C order already (numpy writes them with tolist-like order).
      this.value = new RawObjectArray(shape, data);
      return;
    }
    let bytes: Uint8Array;
    if (data instanceof Uint8Array) bytes = data;
    else if (typeof data === 'string') bytes = latin1Bytes(data);
    else throw new FormatError('ndarray state data is not bytes');
    charge(this.budget, bytes.length * (spec.kind === 'f' && spec.itemsize === 2 ? 2 : 1));
    this.value = spec.kind === 'U' || spec.kind === 'S' ? decodeStrings(bytes, spec, shape, fortran) : decodeNumeric(bytes, spec, shape, fortran);
  }
}

/** An object array before its items are converted. */
export class RawObjectArray {
  constructor(
    readonly shape: number[],
    readonly items: unknown[],
  ) {}
}

export function toShape(v: unknown): number[] {
  const items = v instanceof RawTuple ? v.items : Array.isArray(v) ? v : null;
  if (!items) throw new FormatError('array shape is not a tuple');
  const shape = items.map((d) => (typeof d === 'bigint' ? Number(d) : d));
  for (const d of shape) {
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0) throw new FormatError(`invalid array dimension ${String(d)}`);
  }
  checkedShapeSize(shape as number[]);
  return shape as number[];
}

function latin1Bytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 255) throw new FormatError('latin-1 byte string holds a character above 255');
    out[i] = c;
  }
  return out;
}

function argCount(label: string, args: readonly unknown[], min: number, max: number): void {
  if (args.length < min || args.length > max) throw new FormatError(`${label} called with ${args.length} arguments`);
}

export function numpyGlobals(budget: AllocBudget): Map<string, PickleCallable | ClassToken> {
  const m = new Map<string, PickleCallable | ClassToken>();
  const ndarrayToken = new ClassToken('numpy.ndarray');
  m.set('numpy ndarray', ndarrayToken);
  const dtype = new PickleCallable('numpy.dtype', (args) => {
    argCount('numpy.dtype', args, 1, 3);
    if (typeof args[0] !== 'string') throw new FormatError('numpy.dtype argument is not a type string');
    return new NumpyDtype(args[0]);
  });
  m.set('numpy dtype', dtype);
  for (const mod of ['numpy.core.multiarray', 'numpy._core.multiarray']) {
    m.set(
      `${mod} _reconstruct`,
      new PickleCallable(`${mod}._reconstruct`, (args) => {
        argCount('_reconstruct', args, 3, 3);
        if (args[0] !== ndarrayToken) throw new FormatError('_reconstruct of a class other than numpy.ndarray');
        return new ArrayPlaceholder(budget);
      }),
    );
    m.set(
      `${mod} scalar`,
      new PickleCallable(`${mod}.scalar`, (args) => {
        argCount('numpy scalar', args, 1, 2);
        const [dt, raw] = args;
        if (!(dt instanceof NumpyDtype)) throw new FormatError('numpy scalar without a dtype');
        if (dt.spec.kind === 'O') return raw;
        let bytes: Uint8Array;
        if (raw instanceof Uint8Array) bytes = raw;
        else if (typeof raw === 'string') bytes = latin1Bytes(raw);
        else throw new FormatError('numpy scalar data is not bytes');
        if (bytes.length !== dt.spec.itemsize) throw new FormatError(`numpy scalar has ${bytes.length} bytes, dtype needs ${dt.spec.itemsize}`);
        return decodeScalar(bytes, dt.spec);
      }),
    );
  }
  for (const mod of ['numpy.core.numeric', 'numpy._core.numeric']) {
    // Protocol-5 ndarray pickles (not written by np.save): _frombuffer(buffer, dtype, shape, order).
    m.set(
      `${mod} _frombuffer`,
      new PickleCallable(`${mod}._frombuffer`, (args) => {
        argCount('_frombuffer', args, 4, 4);
        const [buf, dt, shapeRaw, order] = args;
        if (!(buf instanceof Uint8Array)) throw new FormatError('_frombuffer buffer is not in-band bytes');
        if (!(dt instanceof NumpyDtype)) throw new FormatError('_frombuffer without a dtype');
        const shape = toShape(shapeRaw);
        charge(budget, buf.length);
        const k = dt.spec.kind;
        return k === 'U' || k === 'S' ? decodeStrings(buf, dt.spec, shape, order === 'F') : decodeNumeric(buf, dt.spec, shape, order === 'F');
      }),
    );
  }
  m.set(
    '_codecs encode',
    new PickleCallable('_codecs.encode', (args) => {
      argCount('_codecs.encode', args, 1, 2);
      const [s, enc] = args;
      if (typeof s !== 'string') throw new FormatError('_codecs.encode of a non-string');
      if (enc !== undefined && enc !== 'latin1' && enc !== 'latin-1') throw new FormatError(`_codecs.encode with encoding ${String(enc)}`);
      return latin1Bytes(s);
    }),
  );
  // Protocol 2 writes an empty bytes object as `__builtin__.bytes()` (fix_imports spelling) and
  // bytearrays as bytearray(latin-1 str, 'latin-1').
  for (const mod of ['__builtin__', 'builtins']) {
    for (const name of ['bytes', 'bytearray']) {
      m.set(
        `${mod} ${name}`,
        new PickleCallable(`${mod}.${name}`, (args) => {
          argCount(name, args, 0, 2);
          const [x, enc] = args;
          if (x === undefined) return new Uint8Array(0);
          if (x instanceof Uint8Array) return x.slice();
          if (typeof x === 'string' && (enc === 'latin-1' || enc === 'latin1')) return latin1Bytes(x);
          throw new FormatError(`${name}() with unsupported arguments`);
        }),
      );
    }
  }
  for (const [name, sep] of [
    ['PosixPath', '/'],
    ['PurePosixPath', '/'],
    ['WindowsPath', '\\'],
    ['PureWindowsPath', '\\'],
    ['Path', '/'],
  ] as const) {
    m.set(
      `pathlib ${name}`,
      new PickleCallable(`pathlib.${name}`, (args) => {
        const parts = args.map((a) => {
          if (typeof a !== 'string') throw new FormatError(`pathlib.${name} segment is not a string`);
          return a;
        });
        // Python joins segments; an absolute POSIX path pickles as ('/', 'a', 'b').
        return parts.reduce((acc, p) => (acc === '' ? p : acc.endsWith(sep) ? acc + p : acc + sep + p), '');
      }),
    );
  }
  m.set(
    'collections OrderedDict',
    new PickleCallable('collections.OrderedDict', (args) => {
      const d = new RawDict();
      if (args.length > 0 && args[0] !== undefined) {
        const pairs = args[0] instanceof RawTuple ? args[0].items : Array.isArray(args[0]) ? args[0] : null;
        if (!pairs) throw new FormatError('OrderedDict argument is not a list of pairs');
        for (const p of pairs) {
          const kv = p instanceof RawTuple ? p.items : Array.isArray(p) ? p : null;
          if (!kv || kv.length !== 2) throw new FormatError('OrderedDict item is not a pair');
          d.setItem(kv[0], kv[1]);
        }
      }
      return d;
    }),
  );
  return m;
}

/** dict / OrderedDict while unpickling; keys limited to the primitive types numpy files use. */
export class RawDict extends Map<string | number | bigint | boolean | null, unknown> {
  setItem(k: unknown, v: unknown): void {
    if (k === null || typeof k === 'string' || typeof k === 'number' || typeof k === 'bigint' || typeof k === 'boolean') {
      this.set(k, v);
      return;
    }
    throw new FormatError(`unsupported dict key type (${k instanceof RawTuple ? 'tuple' : typeof k})`);
  }
}
