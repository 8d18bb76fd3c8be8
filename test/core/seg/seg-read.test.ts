import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { NdArray } from '../../../src/core/array/ndarray.ts';
import { npyItem, readNpy } from '../../../src/core/io/npy.ts';
import { PyDict, PyFloat, type PyValue } from '../../../src/core/io/pickle/values.ts';
import { parseSeg, readSeg } from '../../../src/core/seg/parse-seg.ts';
import { cellprobToU8, dZToU8 } from '../../../src/core/seg/seg-flows.ts';
import { canon } from '../io/pickle/canon.ts';
import { runPython } from '../io/pickle/python.ts';
import { sharedPath } from '../../helpers/shared-data.ts';

const FIX = sharedPath('fixtures/cellpose');
const PICKLE_DIR = new URL('../io/pickle/', import.meta.url).pathname;
const FILES = [
  { file: 'cli2d/img2d_seg.npy', layout: 'cli', n: 105, is3D: false },
  { file: 'cli3d/stack3d_seg.npy', layout: 'cli', n: 7, is3D: true },
  { file: 'gui2d/crop2d_seg.npy', layout: 'gui3', n: 28, is3D: false },
] as const;

/** numpy's view of a _seg.npy: the canonical form of every value, and of flows split as we split them. */
function numpyView(path: string): { all: unknown; parts: Record<string, unknown> } {
  const out = runPython(`
import sys, json, numpy as np
sys.path.insert(0, ${JSON.stringify(PICKLE_DIR)})
from pycanon import canon
d = np.load(${JSON.stringify(path)}, allow_pickle=True).item()
parts = {'masks': canon(d['masks']), 'outlines': canon(d['outlines'])}
if 'colors' in d: parts['colors'] = canon(d['colors'])
f = d['flows']
parts['rgb'] = canon(f[0]); parts['cellprobU8'] = canon(f[1])
if len(f) == 5:
    nsp = d['masks'].ndim
    parts['dP'] = canon(np.ascontiguousarray(f[4][:nsp])); parts['cellprob'] = canon(np.ascontiguousarray(f[4][nsp]))
    if nsp == 3: parts['dZU8'] = canon(f[2])
print(json.dumps(canon(d))); print(json.dumps(parts))
`);
  const [all, parts] = out.trim().split('\n');
  return { all: JSON.parse(all), parts: JSON.parse(parts) };
}

describe('reading the real Cellpose 3.1 _seg.npy files', () => {
  for (const f of FILES) {
    const path = `${FIX}/${f.file}`;
    const bytes = new Uint8Array(readFileSync(path));
    const np = numpyView(path);

    it(`${f.file}: every key and array equals numpy's view`, () => {
      expect(canon(npyItem(readNpy(bytes)))).toEqual(np.all);
    });

    it(`${f.file}: ${f.n} masks, layout ${f.layout}, flows identified by dtype and shape`, () => {
      const seg = readSeg(bytes);
      expect(seg.layout).toBe(f.layout);
      expect(seg.nMasks).toBe(f.n);
      expect(seg.is3D).toBe(f.is3D);
      expect(seg.notes).toEqual([]);
      const ours: Record<string, unknown> = { masks: canon(seg.masks), outlines: canon(seg.outlines!) };
      if (seg.colors) ours.colors = canon(seg.colors);
      for (const k of ['rgb', 'cellprobU8', 'dP', 'cellprob', 'dZU8'] as const) {
        const a = seg.flows[k] as NdArray | undefined;
        if (a) ours[k] = canon(a);
      }
      expect(ours).toEqual(np.parts);
      expect(seg.ismanual.length).toBe(f.n);
      expect(seg.chanChoose).toEqual([0, 0]);
      expect(seg.diameter).toBe(24);
    });
  }

  it('gui2d: GUI settings are typed (model, thresholds, normalize params)', () => {
    const seg = readSeg(new Uint8Array(readFileSync(`${FIX}/gui2d/crop2d_seg.npy`)));
    expect(seg.filename).toBe('crop2d.tif');
    expect(seg.modelPath).toBe('oracle_nuclei');
    expect(seg.flowThreshold).toBeCloseTo(0.4, 12);
    expect(seg.cellprobThreshold).toBe(0);
    expect(seg.normalizeParams?.get('percentile')).toEqual([1, 99]);
    expect(seg.ratio).toBe(1);
    expect(seg.flows.dP).toBeUndefined(); // 3.x GUI saves display pictures only
  });

  it('our cellprob and dZ pictures reproduce the CLI writer from the raw flows', () => {
    const cli3d = readSeg(new Uint8Array(readFileSync(`${FIX}/cli3d/stack3d_seg.npy`)));
    const n = cli3d.flows.dZU8!.data.length;
    expect(Buffer.compare(dZToU8(cli3d.flows.dP!.data.subarray(0, n)), cli3d.flows.dZU8!.data)).toBe(0);
    const cli2d = readSeg(new Uint8Array(readFileSync(`${FIX}/cli2d/img2d_seg.npy`)));
    const u8 = cellprobToU8(cli2d.flows.cellprob!.data);
    let off = 0;
    for (let i = 0; i < u8.length; i++) off += Math.abs(u8[i] - cli2d.flows.cellprobU8!.data[i]);
    // float32 percentile rounding can move a handful of pixels by one level
    expect(off).toBeLessThan(10);
  });
});

/** A dict shaped like an old or odd _seg.npy. */
function seg(entries: [string, PyValue][]): PyDict {
  return new PyDict(entries);
}
const u2 = (shape: number[], v: number[]): NdArray => ({ dtype: 'uint16', shape, data: Uint16Array.from(v) });

describe('parseSeg compatibility rules (B.4)', () => {
  it('shifts -1 background, renumbers non-contiguous ids and drops mismatched colours/ismanual', () => {
    const masks: NdArray = { dtype: 'int32', shape: [2, 3], data: Int32Array.from([-1, 4, 4, 9, -1, 0]) };
    const s = parseSeg(
      seg([
        ['masks', masks],
        ['outlines', masks],
        ['colors', { dtype: 'uint8', shape: [3, 3], data: new Uint8Array(9) }],
        ['ismanual', [true]],
        ['flows', [[], [], [], [], [[]]]],
        ['filename', 'x.tif'],
      ]),
    );
    // -1 -> 0, then ids {1, 5, 10} -> 1, 2, 3 in increasing order
    expect(Array.from(s.masks.data)).toEqual([0, 2, 2, 3, 0, 1]);
    expect(s.nMasks).toBe(3);
    expect(s.outlines).toBeNull();
    expect(s.colors).toBeNull();
    expect(Array.from(s.ismanual)).toEqual([0, 0, 0]);
    expect(s.flows).toEqual({});
    expect(s.layout).toBe('legacy2'); // GUI keys (colors) without 3.x normalize_params
    expect(s.notes.join('; ')).toMatch(/-1 for background.*renumbered 1\.\.3.*ismanual/);
  });

  it('reads a 2.x CLI-style file: embedded img, est_diam, pixel destinations at [3]', () => {
    const m = u2([2, 2], [0, 1, 1, 2]);
    const p: NdArray = { dtype: 'float32', shape: [2, 2, 2], data: Float32Array.from([0, 0, 1, 1, 0, 1, 0, 1]) };
    const dpcp: NdArray = { dtype: 'float32', shape: [3, 2, 2], data: Float32Array.from({ length: 12 }, (_, i) => i) };
    const s = parseSeg(
      seg([
        ['outlines', m],
        ['masks', m],
        ['img', u2([2, 2], [5, 6, 7, 8])],
        ['est_diam', new PyFloat(17.5)],
        ['flows', [{ dtype: 'uint8', shape: [1, 2, 2, 3], data: new Uint8Array(12) }, { dtype: 'uint8', shape: [1, 2, 2], data: new Uint8Array(4) }, { dtype: 'uint8', shape: [1, 2, 2, 3], data: new Uint8Array(12) }, p, dpcp]],
      ]),
    );
    expect(s.layout).toBe('legacy2');
    expect(s.diameter).toBe(17.5);
    expect(s.img?.shape).toEqual([2, 2]);
    expect(s.flows.pixelDestinations?.shape).toEqual([2, 2, 2]);
    expect(Array.from(s.flows.dP!.data)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(Array.from(s.flows.cellprob!.data)).toEqual([8, 9, 10, 11]);
    expect(s.flows.cellprob!.shape).toEqual([2, 2]);
  });

  it('reads the 4.x GUI layout: float dP (1,2,Ly,Lx) at [2], float cellprob at [3]', () => {
    const m = u2([2, 2], [0, 1, 1, 0]);
    const s = parseSeg(
      seg([
        ['outlines', m],
        ['colors', { dtype: 'int64', shape: [1, 3], data: BigInt64Array.from([300n, 20n, 30n]) }],
        ['masks', m],
        ['flows', [{ dtype: 'uint8', shape: [1, 2, 2, 3], data: new Uint8Array(12) }, { dtype: 'uint8', shape: [1, 2, 2], data: new Uint8Array(4) }, { dtype: 'float32', shape: [1, 2, 2, 2], data: Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8]) }, { dtype: 'float32', shape: [1, 2, 2], data: Float32Array.from([-1, -2, -3, -4]) }]],
        ['model_path', 0],
        ['diameter', null],
      ]),
    );
    expect(s.layout).toBe('gui4');
    expect(s.flows.dP?.shape).toEqual([2, 2, 2]);
    expect(Array.from(s.flows.cellprob!.data)).toEqual([-1, -2, -3, -4]);
    expect(s.modelPath).toBeNull();
    expect(s.diameter).toBeNull();
    expect(Array.from(s.colors!.data)).toEqual([255, 20, 30]); // int64 table narrowed to u1
  });

  it('names what is missing', () => {
    expect(() => parseSeg(seg([['masks', u2([1, 1], [0])]]))).toThrow("no 'outlines' key");
    expect(() => parseSeg(seg([['outlines', u2([1, 1], [0])]]))).toThrow("no 'masks' array");
    expect(() => parseSeg(seg([['outlines', null], ['masks', u2([4], [0, 1, 1, 0])]]))).toThrow(/expected \(Ly, Lx\) or \(Lz, Ly, Lx\)/);
    expect(() => parseSeg([1, 2])).toThrow('does not hold a dict');
  });
});

describe('parseSeg on hostile label values', () => {
  it('renumbers huge sparse ids without allocating a table of 2^32 entries', () => {
    const m: NdArray = { dtype: 'uint32', shape: [1, 4], data: Uint32Array.from([0, 4294967295, 7, 4294967295]) };
    const s = parseSeg(seg([['masks', m], ['outlines', m]]));
    expect(Array.from(s.masks.data)).toEqual([0, 2, 1, 2]);
    expect(s.masks.dtype).toBe('uint16');
    expect(() => parseSeg(seg([['masks', { dtype: 'float32', shape: [1, 2], data: Float32Array.from([0, NaN]) }], ['outlines', null]]))).toThrow(/dtype float32, expected integer labels/);
  });
});
