// The JS view of a Python value tree read from (or written to) a pickle. Lists are JS arrays,
// tuples and dicts get small wrapper classes so the distinction survives a round trip (numpy
// checks that an ndarray state is a tuple, and Cellpose's `flows` is a list).
import type { NdArray, DType } from '../../array/ndarray.ts';

export class PyTuple {
  constructor(readonly items: PyValue[]) {}
}

/** Keys Python dicts in numpy/Cellpose files use; anything else is refused by the reader. */
export type PyKey = string | number | bigint | boolean | null;

/** A Python dict or collections.OrderedDict (insertion order is kept, as Python does). */
export class PyDict extends Map<PyKey, PyValue> {}

/** An ndarray of dtype object (or str/bytes): items in C order. */
export class ObjectArray {
  constructor(
    readonly shape: readonly number[],
    readonly items: PyValue[],
  ) {}
}

/**
 * A numpy scalar (np.int16(-1), np.float32(...)). The reader turns numpy scalars into plain JS
 * numbers/booleans (what Cellpose code treats them as); the writer accepts this class to emit a
 * real numpy scalar with a chosen dtype.
 */
export class NumpyScalar {
  constructor(
    readonly dtype: DType,
    readonly value: number | bigint | boolean,
  ) {}
}

/** A Python float the writer must not turn into an int (JS has one number type: 30 vs 30.0). */
export class PyFloat {
  constructor(readonly value: number) {}
}

/**
 * Base class for values produced by reader hooks (e.g. the torch checkpoint reader's tensor
 * references). The reader passes them through untouched.
 */
export abstract class PyExtension {}

export type PyValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | PyValue[]
  | PyTuple
  | PyDict
  | NdArray
  | ObjectArray
  | NumpyScalar
  | PyFloat
  | PyExtension;

export function isNdArray(v: unknown): v is NdArray {
  if (typeof v !== 'object' || v === null) return false;
  if (v instanceof PyTuple || v instanceof PyDict || v instanceof ObjectArray || Array.isArray(v)) return false;
  const o = v as { data?: unknown; shape?: unknown; dtype?: unknown };
  return ArrayBuffer.isView(o.data) && Array.isArray(o.shape) && typeof o.dtype === 'string';
}

/** A short human description of a value, for error messages and `seg-info`. */
export function describeValue(v: PyValue): string {
  if (v === null) return 'None';
  if (typeof v === 'boolean') return `bool ${v ? 'True' : 'False'}`;
  if (typeof v === 'number') return `${Number.isInteger(v) ? 'int' : 'float'} ${v}`;
  if (typeof v === 'bigint') return `int ${v}`;
  if (typeof v === 'string') return `str ${JSON.stringify(v.length > 60 ? v.slice(0, 57) + '...' : v)}`;
  if (v instanceof Uint8Array && !isNdArray(v)) return `bytes (${v.length})`;
  if (Array.isArray(v)) return `list (${v.length})`;
  if (v instanceof PyTuple) return `tuple (${v.items.length})`;
  if (v instanceof PyDict) return `dict (${v.size} keys)`;
  if (v instanceof ObjectArray) return `ndarray object (${v.shape.join(', ')})`;
  if (v instanceof NumpyScalar) return `numpy ${v.dtype} ${String(v.value)}`;
  if (v instanceof PyFloat) return `float ${v.value}`;
  if (isNdArray(v)) return `ndarray ${v.dtype} (${v.shape.join(', ')})`;
  return 'object';
}
