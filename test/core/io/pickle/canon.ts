// The canonical JSON form make_pickles.py prints, computed from our reader's values, so a test can
// compare every value (arrays by dtype, shape and a sha256 of their C-order bytes).
import { createHash } from 'node:crypto';
import { isNdArray, NumpyScalar, ObjectArray, PyDict, PyFloat, PyTuple, type PyValue } from '../../../../src/core/io/pickle/values.ts';

export type Canon = null | boolean | number | string | Canon[] | { [k: string]: Canon };

export function canon(v: PyValue): Canon {
  if (v === null || typeof v === 'boolean' || typeof v === 'string') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? v : String(v);
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) && BigInt(Number(v)) === v ? Number(v) : { int: v.toString() };
  if (v instanceof PyFloat) return v.value;
  if (v instanceof NumpyScalar) return canon(v.value);
  if (Array.isArray(v)) return v.map(canon);
  if (v instanceof PyTuple) return { tuple: v.items.map(canon) };
  if (v instanceof PyDict) return { dict: [...v.entries()].map(([k, x]) => [canon(k), canon(x)]) };
  if (v instanceof ObjectArray) return { obj: [...v.shape], items: v.items.map(canon) };
  if (isNdArray(v)) {
    const bytes = new Uint8Array(v.data.buffer, v.data.byteOffset, v.data.byteLength);
    return { nd: v.dtype, shape: [...v.shape], sha: createHash('sha256').update(bytes).digest('hex') };
  }
  if (v instanceof Uint8Array) return { bytes: Buffer.from(v).toString('hex') };
  throw new Error('unexpected value in canon');
}
