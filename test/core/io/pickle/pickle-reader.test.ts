import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FormatError } from '../../../../src/core/errors.ts';
import { npyItem, readNpy } from '../../../../src/core/io/npy.ts';
import { unpickle } from '../../../../src/core/io/pickle/reader.ts';
import { isNdArray, PyDict } from '../../../../src/core/io/pickle/values.ts';
import { canon } from './canon.ts';
import { numpyVersion, PY_NUMPY1, PY_NUMPY2, runPython } from './python.ts';

const HERE = new URL('.', import.meta.url).pathname;

function generate(python: string, small = false): { dir: string; expected: unknown } {
  const dir = mkdtempSync(join(tmpdir(), 'pickles-'));
  const out = runPython(`import runpy, sys; sys.argv = ['x', ${JSON.stringify(dir)}${small ? ", 'small'" : ''}]; runpy.run_path(${JSON.stringify(join(HERE, 'make_pickles.py'))}, run_name='__main__')`, python);
  return { dir, expected: JSON.parse(out) };
}

const read = (dir: string, f: string): Uint8Array => new Uint8Array(readFileSync(join(dir, f)));

describe('unpickle matches numpy 1.24 for every value', () => {
  const { dir, expected } = generate(PY_NUMPY1);
  for (const f of ['p2.pkl', 'p3.pkl', 'p4.pkl', 'p5.pkl', 'p4core.pkl']) {
    it(`${f}: Fortran, big-endian, float16, scalars, object/str arrays, long lists, 300x300 u2, paths`, () => {
      expect(canon(unpickle(read(dir, f)))).toEqual(expected);
    });
  }
  it('np.save of the dict reads back through readNpy + npyItem', () => {
    expect(canon(npyItem(readNpy(read(dir, 'obj.npy'))))).toEqual(expected);
  });
  it('decodes the Fortran-order array into C order with the right values', () => {
    const d = unpickle(read(dir, 'p3.pkl'));
    expect(d).toBeInstanceOf(PyDict);
    const f = (d as PyDict).get('fortran');
    if (!isNdArray(f)) throw new Error('not an array');
    // a[i,j,k] = (12 i + 4 j + k) / 2 in C order.
    expect(Array.from(f.data.slice(0, 6) as Float32Array)).toEqual([0, 0.5, 1, 1.5, 2, 2.5]);
    expect(f.data[23]).toBe(11.5);
    const big = (d as PyDict).get('big_i4');
    if (!isNdArray(big)) throw new Error('not an array');
    expect(Array.from(big.data as Int32Array)).toEqual([-5, -4, -3, -2, -1, 0, 1, 2, 3, 4]);
  });
});

// numpy 2 writes protocol 4 with `numpy._core` names. p4core.pkl above simulates that on
// numpy 1.24 (see make_pickles.py); where a real numpy 2 is installed we read its output too.
describe('unpickle reads pickles written by a real numpy 2', () => {
  const v = numpyVersion(PY_NUMPY2);
  const python = v.startsWith('2.') ? PY_NUMPY2 : PY_NUMPY1;
  const { dir, expected } = generate(python);
  it(`numpy ${v.startsWith('2.') ? v : '1.24 (no numpy 2 here: simulated names only)'} protocol 4 and np.save`, () => {
    const p4 = read(dir, 'p4.pkl');
    if (v.startsWith('2.')) expect(Buffer.from(p4).includes('numpy._core.multiarray')).toBe(true);
    expect(canon(unpickle(p4))).toEqual(expected);
    expect(canon(npyItem(readNpy(read(dir, 'obj.npy'))))).toEqual(expected);
  });
});

describe('unpickle refuses bad input with a clear error', () => {
  const enc = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));
  it('names a global that is not on the allow-list and never runs it', () => {
    const evil = runPython("import pickle, os, sys; sys.stdout.write(pickle.dumps(os.system, protocol=2).hex())");
    expect(() => unpickle(Buffer.from(evil, 'hex'))).toThrow(/refusing global 'posix\.system'/);
    expect(() => unpickle(enc('cbuiltins\neval\n(S"1"\ntR.'))).toThrow(/refusing global 'builtins\.eval'/);
  });
  it('rejects a byte string longer than the data left, without allocating it', () => {
    // BINBYTES declaring 4 GiB - 1.
    expect(() => unpickle(new Uint8Array([0x80, 3, 0x42, 0xff, 0xff, 0xff, 0xff, 0x2e]))).toThrow(/truncated: needs 4294967295 bytes/);
    expect(() => unpickle(new Uint8Array([0x80, 4, 0x8e, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]))).toThrow(FormatError);
  });
  it('stops deep nesting, missing STOP and missing memo entries', () => {
    const depth = 5000;
    const deep = new Uint8Array(2 + depth + (depth - 1) + 1);
    deep.set([0x80, 2]);
    deep.fill(0x5d, 2, 2 + depth); // EMPTY_LIST x depth
    deep.fill(0x61, 2 + depth, 2 + depth + depth - 1); // APPEND: each list into the one below
    deep[deep.length - 1] = 0x2e;
    expect(() => unpickle(deep)).toThrow(/nested deeper than/);
    expect(() => unpickle(new Uint8Array([0x80, 2, 0x5d]))).toThrow(/no STOP/);
    expect(() => unpickle(new Uint8Array([0x80, 2, 0x68, 9, 0x2e]))).toThrow(/memo key 9 missing/);
  });
  it('rejects an ndarray whose data size does not match its shape', () => {
    const good = runPython("import pickle, numpy as np, sys; sys.stdout.write(pickle.dumps(np.arange(4, dtype=np.uint16), protocol=3).hex())");
    // Shrink the declared shape (BININT1 4 -> 3): 8 data bytes no longer fit 3 elements.
    const bytes = Buffer.from(good.replace('4b0485', '4b0385'), 'hex');
    expect(() => unpickle(bytes)).toThrow(/array data has 8 bytes, expected 6/);
  });
});

describe('unpickle bounds what a tiny file can make it allocate', () => {
  it('refuses a zero-width str array that declares a billion elements', () => {
    // np.array(['', '', ''], dtype='U1') pickled, then patched to dtype U0, shape (10^9,), no data.
    const src = Buffer.from(runPython("import pickle, sys, numpy as np; sys.stdout.write(pickle.dumps(np.array(['', '', ''], dtype='U1'), protocol=3).hex())"), 'hex');
    const shapeAt = src.indexOf(Buffer.from([0x4b, 0x03, 0x85])); // BININT1 3, TUPLE1: shape (3,)
    const dataAt = src.indexOf(Buffer.from([0x43, 0x0c])); // SHORT_BINBYTES, 12 bytes of data
    expect(shapeAt > 0 && dataAt > shapeAt).toBe(true);
    const patched = Buffer.concat([
      src.subarray(0, shapeAt),
      Buffer.from([0x4a, 0x00, 0xca, 0x9a, 0x3b, 0x85]), // BININT 1e9, TUPLE1
      src.subarray(shapeAt + 3, dataAt),
      Buffer.from([0x43, 0x00]), // empty data
      src.subarray(dataAt + 14),
    ]);
    const typeAt = patched.indexOf(Buffer.from('U1'));
    const elsizeAt = patched.indexOf(Buffer.from([0x4b, 0x04, 0x4b, 0x04])); // elsize 4, alignment 4
    expect(typeAt > 0 && elsizeAt > 0).toBe(true);
    patched[typeAt + 1] = 0x30; // typestr 'U0'
    patched[elsizeAt + 1] = 0; // state elsize 0
    expect(() => unpickle(patched)).toThrow(/zero-width string dtype U0/);
  });
});
