import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { npyItem, readNpy, writeNpyPickled } from '../../../../src/core/io/npy.ts';
import { NumpyScalar, ObjectArray, PyDict, PyFloat, PyTuple, type PyValue } from '../../../../src/core/io/pickle/values.ts';
import { canon } from './canon.ts';
import { numpyVersion, PY_NUMPY1, PY_NUMPY2, runPython } from './python.ts';

const HERE = new URL('.', import.meta.url).pathname;

function tree(): PyDict {
  const d = new PyDict();
  const masks = new Uint16Array(300 * 300);
  for (let i = 0; i < masks.length; i++) masks[i] = (i * 7919) % 65535;
  d.set('masks', { dtype: 'uint16', shape: [300, 300], data: masks });
  d.set('big_u4', { dtype: 'uint32', shape: [2, 2], data: Uint32Array.from([0, 65535, 65536, 4294967295]) });
  d.set('flows', [
    { dtype: 'uint8', shape: [1, 2, 2, 3], data: Uint8Array.from({ length: 12 }, (_, i) => i * 20) },
    { dtype: 'float32', shape: [3, 2, 2], data: Float32Array.from({ length: 12 }, (_, i) => i / 3 - 1) },
    [],
    [[]],
  ]);
  d.set('ismanual', { dtype: 'bool', shape: [3], data: Uint8Array.from([1, 0, 1]) });
  d.set('i8', { dtype: 'int64', shape: [2], data: BigInt64Array.from([-(2n ** 60n), 3n]) });
  d.set('f8_0d', { dtype: 'float64', shape: [], data: Float64Array.from([0.1]) });
  d.set('scalars', [new NumpyScalar('int16', -1), new NumpyScalar('float32', 1.5), new NumpyScalar('bool', true), new NumpyScalar('uint64', 2n ** 63n)]);
  d.set('diameter', new PyFloat(30));
  d.set('ints', [0, 255, 256, 65535, 65536, -1, -(2 ** 31), 2 ** 31, 2 ** 53 - 1, 2n ** 64n, -(2n ** 70n)]);
  d.set('floats', [0.5, -1e300, Number.NaN, Infinity]);
  d.set('long_list', Array.from({ length: 2345 }, (_, i) => i));
  d.set('text', 'h\u00e9llo \u2603 \ud83d\ude00');
  d.set('none', null);
  d.set('flags', [true, false]);
  d.set('tuple', new PyTuple([1, new PyTuple([]), new PyTuple(['a', 'b', 'c', 'd'])]));
  const inner = new PyDict();
  inner.set('lowhigh', null);
  inner.set(3, 'int key');
  d.set('normalize_params', inner);
  d.set('obj', new ObjectArray([2], ['x', { dtype: 'uint8', shape: [1], data: Uint8Array.from([9]) }]));
  d.set('bytes', Uint8Array.from([0, 255, 10]));
  return d;
}

/** What `np.load(f, allow_pickle=True).item()` gives, in canonical form, plus the types of a few keys. */
function loadWith(python: string, file: string): { canon: unknown; types: string } {
  const out = runPython(
    `
import sys, json, warnings, numpy as np
warnings.simplefilter('error')  # numpy 2: loading numpy.core names must not even warn
sys.path.insert(0, ${JSON.stringify(HERE)})
from pycanon import canon
d = np.load(${JSON.stringify(file)}, allow_pickle=True).item()
print(json.dumps(canon(d)))
print(' '.join(type(d[k]).__name__ for k in ['diameter', 'masks', 'flows', 'tuple', 'normalize_params']), ' '.join(type(x).__name__ for x in d['scalars']), d['masks'].dtype.str, d['big_u4'].dtype.str)
`,
    python,
  );
  const [json, types] = out.trim().split('\n');
  return { canon: JSON.parse(json), types };
}

const NAN_FREE = (c: unknown): string => JSON.stringify(c);

describe('writeNpyPickled output loads in numpy', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pklw-'));
  const value = tree();
  const expected = NAN_FREE(canon(value));
  const types = 'float ndarray list tuple dict int16 float32 bool_ uint64 <u2 <u4';
  const v2 = numpyVersion(PY_NUMPY2);

  it('numpy 1.24 loads the default (protocol 3, numpy.core) stream with every value intact', () => {
    const f = join(dir, 'p3.npy');
    writeFileSync(f, writeNpyPickled(value));
    const got = loadWith(PY_NUMPY1, f);
    expect(NAN_FREE(got.canon)).toBe(expected);
    expect(got.types).toBe(types);
  });

  it(`numpy ${v2 || '(none)'} loads protocol 3 numpy.core and protocol 4 numpy._core streams without warnings`, () => {
    // Without a numpy 2 on the machine the numpy-2 half cannot run; the numpy-1 check above still holds.
    const python = v2.startsWith('2.') ? PY_NUMPY2 : PY_NUMPY1;
    for (const [name, bytes] of [
      ['p3.npy', writeNpyPickled(value)],
      ['p4core.npy', writeNpyPickled(value, { protocol: 4, numpyModule: python === PY_NUMPY2 ? 'numpy._core' : 'numpy.core' })],
    ] as const) {
      const f = join(dir, `v2-${name}`);
      writeFileSync(f, bytes);
      const got = loadWith(python, f);
      expect(NAN_FREE(got.canon), name).toBe(expected);
      expect(got.types.replace('bool ', 'bool_ '), name).toBe(types);
    }
  });

  it('our own reader reads back what we wrote', () => {
    expect(NAN_FREE(canon(npyItem(readNpy(writeNpyPickled(value)))))).toBe(expected);
  });

  it('refuses cycles instead of recursing forever', () => {
    const a: PyValue[] = [];
    a.push(a);
    expect(() => writeNpyPickled(a)).toThrow(/nested deeper than/);
  });
});
