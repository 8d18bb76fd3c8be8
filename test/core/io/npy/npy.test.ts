import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { NdArray } from '../../../../src/core/array/ndarray.ts';
import { readNpy, readNpyHeader, writeNpy } from '../../../../src/core/io/npy.ts';
import { canon } from '../pickle/canon.ts';
import { PY_NUMPY1, runPython } from '../pickle/python.ts';

const PICKLE_DIR = new URL('../pickle/', import.meta.url).pathname;

describe('readNpy on files numpy 1.24 wrote', () => {
  const dir = mkdtempSync(join(tmpdir(), 'npy-'));
  // Every plain dtype x (0-d, 1-d, 2-d, 3-d) x C/Fortran x little/big endian, plus v2.0/v3.0 headers.
  const listing = runPython(`
import sys, json, numpy as np
sys.path.insert(0, ${JSON.stringify(PICKLE_DIR)})
from pycanon import canon
rng = np.random.default_rng(3)
out = []
i = 0
for t in ['b1', 'u1', 'i1', 'u2', 'i2', 'u4', 'i4', 'u8', 'i8', 'f2', 'f4', 'f8']:
    for shape in [(), (5,), (3, 4), (2, 3, 4)]:
        for order in 'CF':
            for endian in '<>':
                if t in ('b1', 'u1', 'i1') and endian == '>':
                    continue
                a = (rng.standard_normal(shape) * 1000).astype(endian + t) if t[0] == 'f' else rng.integers(0, 2 if t == 'b1' else 100, size=shape).astype(endian + t)
                if t[0] == 'i':
                    a = (a - 50).astype(endian + t)
                a = np.asfortranarray(a) if order == 'F' else np.ascontiguousarray(a)
                name = f'{i}.npy'
                version = (1, 0) if i % 5 else ((2, 0) if i % 2 else (3, 0))
                with open(${JSON.stringify(dir)} + '/' + name, 'wb') as f:
                    np.lib.format.write_array(f, a, version=version)
                out.append([name, f'{endian}{t} {shape} {order} v{version[0]}', canon(a)])
                i += 1
print(json.dumps(out))
`);
  const cases = JSON.parse(listing) as [string, string, unknown][];

  it(`decodes all ${cases.length} arrays exactly as numpy sees them (C order, little-endian, f2 widened)`, () => {
    expect(cases.length).toBeGreaterThan(150);
    for (const [name, what, expected] of cases) {
      const a = readNpy(new Uint8Array(readFileSync(join(dir, name))));
      expect(canon(a as NdArray), what).toEqual(expected);
    }
  });

  it('reads header versions 2 and 3 and Fortran flags', () => {
    const versions = new Set(cases.map(([name]) => readNpyHeader(new Uint8Array(readFileSync(join(dir, name)))).version));
    expect([...versions].sort()).toEqual([1, 2, 3]);
  });
});

describe('writeNpy', () => {
  const arrays: NdArray[] = [
    { dtype: 'uint16', shape: [3, 4], data: Uint16Array.from({ length: 12 }, (_, i) => i * 5000) },
    { dtype: 'bool', shape: [5], data: Uint8Array.from([1, 0, 0, 1, 1]) },
    { dtype: 'float32', shape: [], data: Float32Array.from([2.5]) },
    { dtype: 'int64', shape: [2, 1, 3], data: BigInt64Array.from([-1n, 2n, -(2n ** 40n), 4n, 5n, 6n]) },
    { dtype: 'uint8', shape: [1234567, 0], data: new Uint8Array(0) },
    { dtype: 'float64', shape: [2], data: Float64Array.from([Math.PI, -0]) },
  ];
  it('writes files byte-identical to np.save (header text, 64-byte alignment, data)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'npyw-'));
    arrays.forEach((a, i) => writeFileSync(join(dir, `${i}.npy`), writeNpy(a)));
    const out = runPython(
      `
import numpy as np, io, sys
for i in range(${arrays.length}):
    raw = open(f'${dir}/{i}.npy', 'rb').read()
    a = np.load(f'${dir}/{i}.npy')
    buf = io.BytesIO(); np.save(buf, a)
    print(i, a.dtype.str, a.shape, raw == buf.getvalue(), len(raw) % 64 == (a.nbytes % 64))
`,
      PY_NUMPY1,
    );
    expect(out.trim().split('\n')).toEqual([
      "0 <u2 (3, 4) True True",
      "1 |b1 (5,) True True",
      "2 <f4 () True True",
      "3 <i8 (2, 1, 3) True True",
      "4 |u1 (1234567, 0) True True",
      "5 <f8 (2,) True True",
    ]);
  });
  it('round-trips through readNpy', () => {
    for (const a of arrays) expect(canon(readNpy(writeNpy(a)) as NdArray)).toEqual(canon(a));
  });
});

describe('readNpy refuses bad files clearly', () => {
  const good = writeNpy({ dtype: 'uint16', shape: [4, 4], data: new Uint16Array(16) });
  it('bad magic, truncated data, absurd shapes, structured dtypes', () => {
    expect(() => readNpy(new Uint8Array([1, 2, 3]))).toThrow('not a .npy file');
    expect(() => readNpy(good.subarray(0, good.length - 1))).toThrow(/data truncated: shape \(4, 4\) needs 32 bytes, file has 31/);
    const huge = Buffer.from(good);
    huge.write("'shape': (99999999999, 99999999), }", Buffer.from(good).indexOf("'shape'"), 'latin1');
    expect(() => readNpy(new Uint8Array(huge))).toThrow(/data truncated/);
    const structured = runPython("import numpy as np, io, sys; b = io.BytesIO(); np.save(b, np.zeros(2, dtype=[('a', '<i4')])); sys.stdout.write(b.getvalue().hex())");
    expect(() => readNpy(Buffer.from(structured, 'hex'))).toThrow(/structured dtype/);
    const complex = runPython("import numpy as np, io, sys; b = io.BytesIO(); np.save(b, np.zeros(2, dtype='c8')); sys.stdout.write(b.getvalue().hex())");
    expect(() => readNpy(Buffer.from(complex, 'hex'))).toThrow(/unsupported numpy dtype 'c8'/);
  });
});
