// A safe unpickler for the pickles numpy (np.save of objects) and torch.save write: protocols
// 2-5 (GUI_AND_FORMATS.md D.7). It never executes code: globals resolve only through the
// allow-list in globals.ts or a caller's hook (the torch reader adds its storage classes).
// Every length is checked against the bytes left, so a corrupt or hostile file gives a
// FormatError, not a huge allocation or a hang.
import { FormatError } from '../../errors.ts';
import { latin1Decode, textDecoder } from '../../util/platform.ts';
import {
  ArrayPlaceholder,
  ClassToken,
  isBuildable,
  numpyGlobals,
  NumpyDtype,
  PickleCallable,
  RawDict,
  RawObjectArray,
  RawTuple,
  type AllocBudget,
} from './globals.ts';
import { OP } from './opcodes.ts';
import { ObjectArray, PyDict, PyExtension, PyTuple, type PyKey, type PyValue } from './values.ts';

export interface UnpickleHooks {
  /** Resolve an extra global `module.name`; return undefined to fall back to the allow-list. */
  resolveGlobal?(module: string, name: string): PickleCallable | ClassToken | undefined;
  /**
   * Python's persistent_load (BINPERSID): torch uses it for tensor storages. `pid` is the raw
   * persistent id (a RawTuple whose items may include ClassTokens, e.g. torch.FloatStorage).
   */
  persistentLoad?(pid: unknown): unknown;
}

export interface UnpickleOptions extends UnpickleHooks {
  /** Max nesting depth of the result (lists in lists...). */
  maxDepth?: number;
}

const DEFAULT_MAX_DEPTH = 256;

/** Read one pickle from `bytes` (starting at `offset`) and return the value STOP leaves. */
export function unpickle(bytes: Uint8Array, options: UnpickleOptions = {}): PyValue {
  return new Unpickler(bytes, options).run();
}

const utf8 = textDecoder('utf-8', true);

class Unpickler {
  private pos = 0;
  private readonly view: DataView;
  private stack: unknown[] = [];
  private readonly marks: unknown[][] = [];
  private readonly memo = new Map<number, unknown>();
  private readonly globals: Map<string, PickleCallable | ClassToken>;
  private readonly budget: AllocBudget;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly options: UnpickleOptions,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    // Decoded arrays can be at most about 2x the pickle (float16 -> float32) plus slack; a
    // budget stops a pickle that BUILDs the same bytes over and over.
    this.budget = { remaining: 4 * bytes.length + (1 << 20) };
    this.globals = numpyGlobals(this.budget);
  }

  run(): PyValue {
    const b = this.bytes;
    while (this.pos < b.length) {
      const at = this.pos;
      const op = b[this.pos++];
      try {
        if (this.step(op)) {
          const top = this.pop();
          return finalize(top, this.options.maxDepth ?? DEFAULT_MAX_DEPTH);
        }
      } catch (e) {
        if (e instanceof FormatError) throw new FormatError(`pickle: ${e.message.replace(/^pickle: /, '')} (opcode 0x${op.toString(16)} at byte ${at})`);
        if (e instanceof RangeError) throw new FormatError(`pickle: ${e.message} (opcode 0x${op.toString(16)} at byte ${at})`);
        throw e;
      }
    }
    throw new FormatError('pickle: truncated (no STOP opcode)');
  }

  private need(n: number): void {
    if (!Number.isSafeInteger(n) || n < 0 || this.pos + n > this.bytes.length) {
      throw new FormatError(`truncated: needs ${n} bytes, ${this.bytes.length - this.pos} left`);
    }
  }
  private u8(): number {
    this.need(1);
    return this.bytes[this.pos++];
  }
  private u16(): number {
    this.need(2);
    const v = this.view.getUint16(this.pos, true);
    this.pos += 2;
    return v;
  }
  private u32(): number {
    this.need(4);
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }
  private i32(): number {
    this.need(4);
    const v = this.view.getInt32(this.pos, true);
    this.pos += 4;
    return v;
  }
  private u64(): number {
    this.need(8);
    const v = this.view.getBigUint64(this.pos, true);
    this.pos += 8;
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new FormatError(`declared length ${v} is too large`);
    return Number(v);
  }
  private take(n: number): Uint8Array {
    this.need(n);
    const s = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return s;
  }
  private line(): string {
    const end = this.bytes.indexOf(0x0a, this.pos);
    if (end < 0) throw new FormatError('truncated: text line without newline');
    const s = latin1Decode(this.bytes.subarray(this.pos, end));
    this.pos = end + 1;
    return s;
  }
  private str(n: number): string {
    const raw = this.take(n);
    try {
      return utf8.decode(raw);
    } catch {
      throw new FormatError('invalid UTF-8 in a string');
    }
  }

  private push(v: unknown): void {
    this.stack.push(v);
  }
  private pop(): unknown {
    if (this.stack.length === 0) throw new FormatError('stack underflow');
    return this.stack.pop();
  }
  private top(): unknown {
    if (this.stack.length === 0) throw new FormatError('stack underflow');
    return this.stack[this.stack.length - 1];
  }
  private popMark(): unknown[] {
    const outer = this.marks.pop();
    if (!outer) throw new FormatError('MARK expected');
    const items = this.stack;
    this.stack = outer;
    return items;
  }
  private memoPut(i: number): void {
    this.memo.set(i, this.top());
  }
  private memoGet(i: number): void {
    if (!this.memo.has(i)) throw new FormatError(`memo key ${i} missing`);
    this.push(this.memo.get(i));
  }

  private resolveGlobal(module: string, name: string): PickleCallable | ClassToken {
    const hooked = this.options.resolveGlobal?.(module, name);
    if (hooked) return hooked;
    const g = this.globals.get(`${module} ${name}`);
    if (!g) throw new FormatError(`refusing global '${module}.${name}' (not on the allow-list)`);
    return g;
  }

  private call(fn: unknown, args: unknown): unknown {
    if (!(fn instanceof PickleCallable)) throw new FormatError(`cannot call ${fn instanceof ClassToken ? fn.label : typeof fn}`);
    if (!(args instanceof RawTuple)) throw new FormatError(`${fn.label} arguments are not a tuple`);
    return fn.call(args.items);
  }

  /** Execute one opcode; true at STOP. */
  private step(op: number): boolean {
    switch (op) {
      case OP.PROTO: {
        const v = this.u8();
        if (v > 5) throw new FormatError(`unsupported pickle protocol ${v}`);
        return false;
      }
      case OP.FRAME:
        this.u64(); // a buffering hint only
        return false;
      case OP.STOP:
        return true;
      case OP.MARK:
        this.marks.push(this.stack);
        this.stack = [];
        return false;
      case OP.POP:
        if (this.stack.length === 0 && this.marks.length > 0) this.popMark();
        else this.pop();
        return false;
      case OP.POP_MARK:
        this.popMark();
        return false;
      case OP.DUP:
        this.push(this.top());
        return false;
      case OP.NONE:
        this.push(null);
        return false;
      case OP.NEWTRUE:
        this.push(true);
        return false;
      case OP.NEWFALSE:
        this.push(false);
        return false;
      case OP.BININT1:
        this.push(this.u8());
        return false;
      case OP.BININT2:
        this.push(this.u16());
        return false;
      case OP.BININT:
        this.push(this.i32());
        return false;
      case OP.LONG1:
        this.push(decodeLong(this.take(this.u8())));
        return false;
      case OP.LONG4: {
        const n = this.i32();
        if (n < 0) throw new FormatError('negative LONG4 length');
        this.push(decodeLong(this.take(n)));
        return false;
      }
      case OP.BINFLOAT: {
        this.need(8);
        this.push(this.view.getFloat64(this.pos, false)); // big-endian, unlike every other field
        this.pos += 8;
        return false;
      }
      case OP.SHORT_BINUNICODE:
        this.push(this.str(this.u8()));
        return false;
      case OP.BINUNICODE:
        this.push(this.str(this.u32()));
        return false;
      case OP.BINUNICODE8:
        this.push(this.str(this.u64()));
        return false;
      // Byte strings stay views into the input: array data is copied once, when decoded, and a
      // large _seg.npy is not held twice. `bytes` values in the result share the input buffer.
      case OP.SHORT_BINBYTES:
        this.push(this.take(this.u8()));
        return false;
      case OP.BINBYTES:
        this.push(this.take(this.u32()));
        return false;
      case OP.BINBYTES8:
      case OP.BYTEARRAY8:
        this.push(this.take(this.u64()));
        return false;
      case OP.READONLY_BUFFER:
        return false;
      case OP.SHORT_BINSTRING:
        // Python-2 str: numpy unpickles with encoding latin-1 semantics for array data.
        this.push(latin1Decode(this.take(this.u8())));
        return false;
      case OP.BINSTRING: {
        const n = this.i32();
        if (n < 0) throw new FormatError('negative BINSTRING length');
        this.push(latin1Decode(this.take(n)));
        return false;
      }
      case OP.EMPTY_TUPLE:
        this.push(new RawTuple([]));
        return false;
      case OP.TUPLE1:
        this.push(new RawTuple([this.pop()]));
        return false;
      case OP.TUPLE2: {
        const b = this.pop();
        const a = this.pop();
        this.push(new RawTuple([a, b]));
        return false;
      }
      case OP.TUPLE3: {
        const c = this.pop();
        const b = this.pop();
        const a = this.pop();
        this.push(new RawTuple([a, b, c]));
        return false;
      }
      case OP.TUPLE:
        this.push(new RawTuple(this.popMark()));
        return false;
      case OP.EMPTY_LIST:
        this.push([]);
        return false;
      case OP.LIST:
        this.push(this.popMark());
        return false;
      case OP.APPEND: {
        const v = this.pop();
        const list = this.top();
        if (!Array.isArray(list)) throw new FormatError('APPEND to a non-list');
        list.push(v);
        return false;
      }
      case OP.APPENDS: {
        const items = this.popMark();
        const list = this.top();
        if (!Array.isArray(list)) throw new FormatError('APPENDS to a non-list');
        for (const v of items) list.push(v);
        return false;
      }
      case OP.EMPTY_DICT:
        this.push(new RawDict());
        return false;
      case OP.DICT: {
        const items = this.popMark();
        if (items.length % 2) throw new FormatError('DICT with an odd number of items');
        const d = new RawDict();
        for (let i = 0; i < items.length; i += 2) d.setItem(items[i], items[i + 1]);
        this.push(d);
        return false;
      }
      case OP.SETITEM: {
        const v = this.pop();
        const k = this.pop();
        const d = this.top();
        if (!(d instanceof RawDict)) throw new FormatError('SETITEM on a non-dict');
        d.setItem(k, v);
        return false;
      }
      case OP.SETITEMS: {
        const items = this.popMark();
        const d = this.top();
        if (!(d instanceof RawDict)) throw new FormatError('SETITEMS on a non-dict');
        if (items.length % 2) throw new FormatError('SETITEMS with an odd number of items');
        for (let i = 0; i < items.length; i += 2) d.setItem(items[i], items[i + 1]);
        return false;
      }
      case OP.EMPTY_SET:
        this.push(new PySetBuilder());
        return false;
      case OP.ADDITEMS: {
        const items = this.popMark();
        const s = this.top();
        if (!(s instanceof PySetBuilder)) throw new FormatError('ADDITEMS on a non-set');
        s.items.push(...items);
        return false;
      }
      case OP.FROZENSET: {
        const s = new PySetBuilder();
        s.items.push(...this.popMark());
        this.push(s);
        return false;
      }
      case OP.BINPUT:
        this.memoPut(this.u8());
        return false;
      case OP.LONG_BINPUT:
        this.memoPut(this.u32());
        return false;
      case OP.MEMOIZE:
        this.memoPut(this.memo.size);
        return false;
      case OP.BINGET:
        this.memoGet(this.u8());
        return false;
      case OP.LONG_BINGET:
        this.memoGet(this.u32());
        return false;
      case OP.GLOBAL: {
        const module = this.line();
        const name = this.line();
        this.push(this.resolveGlobal(module, name));
        return false;
      }
      case OP.STACK_GLOBAL: {
        const name = this.pop();
        const module = this.pop();
        if (typeof module !== 'string' || typeof name !== 'string') throw new FormatError('STACK_GLOBAL needs two strings');
        this.push(this.resolveGlobal(module, name));
        return false;
      }
      case OP.REDUCE: {
        const args = this.pop();
        const fn = this.pop();
        this.push(this.call(fn, args));
        return false;
      }
      case OP.NEWOBJ: {
        // cls.__new__(cls, *args): only allow-listed callables, treated like a call.
        const args = this.pop();
        const cls = this.pop();
        this.push(this.call(cls, args));
        return false;
      }
      case OP.NEWOBJ_EX: {
        const kwargs = this.pop();
        const args = this.pop();
        const cls = this.pop();
        if (!(kwargs instanceof RawDict) || kwargs.size > 0) throw new FormatError('NEWOBJ_EX with keyword arguments');
        this.push(this.call(cls, args));
        return false;
      }
      case OP.BUILD: {
        const state = this.pop();
        const obj = this.top();
        if (isBuildable(obj)) obj.build(state);
        else if (obj instanceof RawDict) {
          // OrderedDict.__setstate__ sets attributes (torch's `_metadata`): not part of the mapping.
        } else throw new FormatError('BUILD on an object that has no state');
        return false;
      }
      case OP.BINPERSID: {
        const pid = this.pop();
        const load = this.options.persistentLoad;
        if (!load) throw new FormatError('persistent id in a pickle that should not have one');
        this.push(load(pid));
        return false;
      }
      case OP.NEXT_BUFFER:
        throw new FormatError('out-of-band buffers (protocol 5 NEXT_BUFFER) are not supported');
      default:
        throw new FormatError(`unsupported opcode 0x${op.toString(16).padStart(2, '0')}`);
    }
  }
}

/** A set while unpickling; finalized as a list (Python sets do not occur in numpy/torch files). */
class PySetBuilder {
  readonly items: unknown[] = [];
}

/** Little-endian two's-complement integer; a JS number when it fits in 53 bits. */
export function decodeLong(b: Uint8Array): number | bigint {
  if (b.length === 0) return 0;
  let v = 0n;
  for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
  if (b[b.length - 1] & 0x80) v -= 1n << BigInt(8 * b.length);
  if (v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(v);
  return v;
}

/**
 * Turn the reader's working objects into PyValues: placeholders into NdArray/ObjectArray, raw
 * tuples/dicts into PyTuple/PyDict. Shared objects stay shared and cycles are kept, via `seen`.
 */
function finalize(root: unknown, maxDepth: number): PyValue {
  const seen = new Map<unknown, PyValue>();
  const go = (v: unknown, depth: number): PyValue => {
    if (v === null || typeof v === 'boolean' || typeof v === 'number' || typeof v === 'bigint' || typeof v === 'string') return v;
    if (v === undefined) return null;
    if (depth > maxDepth) throw new FormatError(`pickle: values nested deeper than ${maxDepth} levels`);
    const hit = seen.get(v);
    if (hit !== undefined) return hit;
    if (v instanceof Uint8Array) return v;
    if (Array.isArray(v)) {
      const out: PyValue[] = [];
      seen.set(v, out);
      for (const x of v) out.push(go(x, depth + 1));
      return out;
    }
    if (v instanceof RawTuple) {
      const items: PyValue[] = [];
      const out = new PyTuple(items);
      seen.set(v, out);
      for (const x of v.items) items.push(go(x, depth + 1));
      return out;
    }
    if (v instanceof RawDict) {
      const out = new PyDict();
      seen.set(v, out);
      for (const [k, x] of v) out.set(k as PyKey, go(x, depth + 1));
      return out;
    }
    if (v instanceof PySetBuilder) {
      const out: PyValue[] = [];
      seen.set(v, out);
      for (const x of v.items) out.push(go(x, depth + 1));
      return out;
    }
    if (v instanceof ArrayPlaceholder) {
      if (v.value === undefined) throw new FormatError('pickle: ndarray was never given its state (BUILD missing)');
      const out = go(v.value, depth);
      seen.set(v, out);
      return out;
    }
    if (v instanceof RawObjectArray) {
      const items: PyValue[] = [];
      const out = new ObjectArray(v.shape, items);
      seen.set(v, out);
      for (const x of v.items) items.push(go(x, depth + 1));
      return out;
    }
    if (v instanceof PyExtension || v instanceof ObjectArray) return v as PyValue;
    // A dtype used as a value (rare): its type string, e.g. '<u2'.
    if (v instanceof NumpyDtype) return `${v.spec.bigEndian ? '>' : v.spec.itemsize === 1 ? '|' : '<'}${v.spec.kind}${v.spec.kind === 'U' ? v.spec.itemsize / 4 : v.spec.itemsize}`;
    if (typeof v === 'object' && ArrayBuffer.isView((v as { data?: unknown }).data)) return v as PyValue; // NdArray
    if (v instanceof PickleCallable || v instanceof ClassToken) throw new FormatError(`pickle: a bare global (${v.label}) is not a value`);
    throw new FormatError('pickle: result holds an object of an unsupported type');
  };
  return go(root, 0);
}
