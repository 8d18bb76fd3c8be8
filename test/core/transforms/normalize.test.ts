// normalize99 / normalize_img (ALGORITHMS.md 2.2) and channel conversion (2.1).
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { normalize99Channel, percentileSample } from '../../../src/core/transforms/normalize99.ts';
import { DEFAULT_NORMALIZE, normalizeImg } from '../../../src/core/transforms/normalize-img.ts';
import { convertChannels } from '../../../src/core/transforms/convert-channels.ts';
import type { ImageStack } from '../../../src/core/io/image-types.ts';
import { PYTHON, readNpyF32, tempDir } from '../model/torch-reference.ts';
import { sharedPath } from '../../helpers/shared-data.ts';

function stack(data: Float32Array | Uint16Array, nZ: number, h: number, w: number, c: number): ImageStack {
  return {
    data: { data, shape: [nZ, h, w, c], dtype: data instanceof Float32Array ? 'float32' : 'uint16' },
    nZ, height: h, width: w, nChannels: c, dtype: data instanceof Float32Array ? 'float32' : 'uint16',
    assignment: { rawShape: [nZ, h, w, c], axes: ['Z', 'Y', 'X', 'C'], source: 'override', ambiguous: false, description: '' },
    format: 'tiff', minValue: 0, maxValue: 0, warnings: [],
  };
}

describe('normalize99', () => {
  it('values 1..100 in 10x10: p1 = 1.99, p99 = 99.01, corners -0.010204 and 1.010204 (D.2)', () => {
    const x = Float32Array.from({ length: 100 }, (_, i) => i + 1);
    const { lo, hi } = normalize99Channel(x, [1, 10, 10, 1], 0);
    expect(lo).toBeCloseTo(1.99, 5);
    expect(hi).toBeCloseTo(99.01, 4);
    expect(x[0]).toBeCloseTo(-0.010204, 6);
    expect(x[99]).toBeCloseTo(1.010204, 6);
  });
  it('a constant channel becomes zeros in normalize99 but is left unchanged by normalize_img (v3)', () => {
    const x = new Float32Array(50).fill(3);
    normalize99Channel(x, [1, 5, 10, 1], 0);
    expect(x.every((v) => v === 0)).toBe(true);
    const y = new Float32Array(100);
    for (let i = 0; i < 50; i++) { y[2 * i] = i; y[2 * i + 1] = 3; }
    normalizeImg(y, [1, 5, 10, 2], DEFAULT_NORMALIZE);
    expect(y[1]).toBe(3);
    expect(y[0]).toBeLessThan(0);
  });
  it('matches numpy on the real StarDist image (float32 result within 1 ulp)', () => {
    const out = join(tempDir(), 'n.npy');
    execFileSync(PYTHON, ['-c', `
import numpy as np
from PIL import Image
x = np.array(Image.open('${sharedPath('data/stardist-dsb2018-sample-2d/img2d.tif')}')).astype(np.float32)
np.save('${out}.raw.npy', x)
lo, hi = np.percentile(x, 1), np.percentile(x, 99)
np.save('${out}', ((x - lo) / (hi - lo)).astype(np.float32))
`]);
    const raw = readNpyF32(`${out}.raw.npy`);
    const ref = readNpyF32(out);
    const x = Float32Array.from(raw.data);
    normalize99Channel(x, [1, 512, 512, 1], 0);
    let m = 0;
    for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i] - ref.data[i]));
    expect(m).toBeLessThan(1e-6);
  });
  it('sub-samples arrays above 224^3 elements with Cellpose strides', () => {
    const s = percentileSample(new Float32Array(0), [100, 0, 0, 1], 0);
    expect(s.length).toBe(0);
    // 4000x3000 -> strides (1, 17, 13): ceil(4000/17)·ceil(3000/13)
    const big = percentileSample(new Float32Array(4000 * 3000), [1, 4000, 3000, 1], 0);
    expect(big.length).toBe(Math.ceil(4000 / 17) * Math.ceil(3000 / 13));
  });
  it('invert flips normalized channels; lowhigh overrides percentiles; bad percentiles are rejected', () => {
    const x = Float32Array.from({ length: 100 }, (_, i) => i);
    normalizeImg(x, [1, 10, 10, 1], { ...DEFAULT_NORMALIZE, lowhigh: [0, 99], invert: true });
    expect(x[0]).toBe(1);
    expect(x[99]).toBeCloseTo(0, 7);
    expect(() => normalizeImg(x, [1, 10, 10, 1], { ...DEFAULT_NORMALIZE, percentile: [50, 10] })).toThrow(/percentile/);
    const nan = new Float32Array(100).fill(1);
    nan[5] = NaN;
    nan[6] = 2;
    expect(() => normalizeImg(nan, [1, 10, 10, 1], DEFAULT_NORMALIZE)).toThrow(/NaN/);
  });
  it('norm3D false normalizes each plane separately', () => {
    const x = new Float32Array(2 * 100);
    for (let i = 0; i < 100; i++) { x[i] = i; x[100 + i] = 10 * i; }
    normalizeImg(x, [2, 10, 10, 1], { ...DEFAULT_NORMALIZE, norm3D: false });
    expect(x[99]).toBeCloseTo(x[199], 6);
  });
});

describe('convertChannels', () => {
  const rgb = new Uint16Array([1, 2, 3, 10, 20, 30]); // 1x1x2 pixels, 3 channels
  const img = stack(rgb, 1, 1, 2, 3);
  it('[0,0] on RGB: mean of all channels, zeros', () => {
    expect([...convertChannels(img, [0, 0], 2)]).toEqual([2, 0, 20, 0]);
  });
  it('[0,n]: gray ignores chan2, as Cellpose 3.1\'s reshape does (mean of all channels, zeros)', () => {
    expect([...convertChannels(img, [0, 1], 2)]).toEqual([2, 0, 20, 0]);
    expect([...convertChannels(img, [0, 3], 2)]).toEqual([2, 0, 20, 0]);
    // not used, so not range-checked (Cellpose never indexes it)
    expect([...convertChannels(img, [0, 5], 2)]).toEqual([2, 0, 20, 0]);
  });
  it('[2,3]: green cytoplasm, blue nuclei; [1,0]: red, zeros', () => {
    expect([...convertChannels(img, [2, 3], 2)]).toEqual([2, 3, 20, 30]);
    expect([...convertChannels(img, [1, 0], 2)]).toEqual([1, 0, 10, 0]);
  });
  it('channels null keeps the first nchan channels (R and G of RGB), zero-filling missing ones', () => {
    expect([...convertChannels(img, null, 2)]).toEqual([1, 2, 10, 20]);
    const gray = stack(new Uint16Array([5, 6]), 1, 1, 2, 1);
    expect([...convertChannels(gray, null, 2)]).toEqual([5, 0, 6, 0]);
  });
  it('rejects a channel index beyond a multi-channel image', () => {
    expect(() => convertChannels(img, [4, 0], 2)).toThrow(/channel 4 is out of range: the image has 3/);
    expect(() => convertChannels(img, [1, -1], 2)).toThrow(/channel -1 is out of range/);
  });
  it('a one-channel image is gray with zeros whatever channels are given (Cellpose 3.1 reshape)', () => {
    const gray = stack(new Uint16Array([5, 6]), 1, 1, 2, 1);
    for (const ch of [[0, 0], [1, 0], [2, 1], [3, 3]] as const) expect([...convertChannels(gray, ch, 2)]).toEqual([5, 0, 6, 0]);
  });
});
