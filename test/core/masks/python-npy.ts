// Test helper: read arrays out of real Cellpose files (_seg.npy pickles, TIFFs) with python3-numpy,
// which the test machine has; the app itself never runs Python.
import { execFileSync } from 'node:child_process';
import { sharedPath } from '../../helpers/shared-data.ts';

export interface PyArray {
  shape: number[];
  bytes: Uint8Array;
}

/**
 * Runs `expr` (a Python expression over `np` and the helper `seg(path)` = the _seg.npy dict) and
 * returns the resulting array converted to `dtype`, C-contiguous.
 */
export function pyArray(expr: string, dtype: PyDType): PyArray {
  return pyArrays([expr], dtype)[0];
}

type PyDType = 'uint16' | 'uint32' | 'int32' | 'float32' | 'uint8';

/** Several arrays from one python3 start (numpy's import dominates the cost). */
export function pyArrays(exprs: string[], dtype: PyDType): PyArray[] {
  const script = [
    'import sys, json, numpy as np',
    'def seg(p): return np.load(p, allow_pickle=True).item()',
    `arrs = [np.ascontiguousarray(np.asarray(e).astype(np.${dtype})) for e in [${exprs.join(', ')}]]`,
    'for a in arrs:',
    '    h = json.dumps(list(a.shape)).encode()',
    '    sys.stdout.buffer.write(len(h).to_bytes(4, "little") + h + a.nbytes.to_bytes(8, "little") + a.tobytes())',
  ].join('\n');
  const out = execFileSync('python3', ['-c', script], { maxBuffer: 1 << 30 });
  const result: PyArray[] = [];
  let pos = 0;
  while (pos < out.length) {
    const hlen = out.readUInt32LE(pos);
    const shape = JSON.parse(out.subarray(pos + 4, pos + 4 + hlen).toString()) as number[];
    const nbytes = Number(out.readBigUInt64LE(pos + 4 + hlen));
    const start = pos + 12 + hlen;
    const bytes = new Uint8Array(nbytes);
    bytes.set(out.subarray(start, start + nbytes));
    result.push({ shape, bytes });
    pos = start + nbytes;
  }
  return result;
}

export function pyUint16s(exprs: string[]): Array<{ shape: number[]; data: Uint16Array }> {
  return pyArrays(exprs, 'uint16').map((a) => ({ shape: a.shape, data: new Uint16Array(a.bytes.buffer) }));
}

export function pyUint16(expr: string): { shape: number[]; data: Uint16Array } {
  const a = pyArray(expr, 'uint16');
  return { shape: a.shape, data: new Uint16Array(a.bytes.buffer) };
}

export function pyUint8(expr: string): { shape: number[]; data: Uint8Array } {
  const a = pyArray(expr, 'uint8');
  return { shape: a.shape, data: a.bytes };
}

export function pyFloat32(expr: string): { shape: number[]; data: Float32Array } {
  const a = pyArray(expr, 'float32');
  return { shape: a.shape, data: new Float32Array(a.bytes.buffer) };
}

export const FIXTURES = sharedPath('fixtures/cellpose');
export const DATA = sharedPath('data');
