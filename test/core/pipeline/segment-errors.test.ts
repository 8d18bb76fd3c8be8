// segment() refuses bad input with messages naming the problem, before any network work, and
// follows Cellpose's rescale rule (ALGORITHMS.md 1.7).
import { describe, expect, it } from 'vitest';
import { rescaleFor, segment, type SegmentNetwork } from '../../../src/core/pipeline/segment.ts';
import type { ImageStack } from '../../../src/core/io/image-types.ts';

function stack(data: Float32Array, nZ: number, h: number, w: number, c: number): ImageStack {
  return {
    data: { data, shape: [nZ, h, w, c], dtype: 'float32' }, nZ, height: h, width: w, nChannels: c, dtype: 'float32',
    assignment: { rawShape: [nZ, h, w, c], axes: ['Z', 'Y', 'X', 'C'], source: 'override', ambiguous: false, description: '' },
    format: 'tiff', minValue: 0, maxValue: 1, warnings: [],
  };
}

let calls = 0;
const net: SegmentNetwork = {
  nchan: 2, nout: 3, styleDim: 4,
  run: (b, s) => {
    calls++;
    return Promise.resolve({ flows: new Float32Array(s[0] * 3 * s[2] * s[3]), style: new Float32Array(s[0] * 4).fill(0.5) });
  },
  model: { name: 'stub', diamMeanPx: 30, diamLabelsPx: 25, sizeModel: null, sizeModelPath: '/models/stub_size.npy' },
};
const noMasks = { computeMasks: () => Promise.resolve(new Uint16Array(0)) };

describe('segment input checks', () => {
  it('rejects NaN pixels, channels beyond the image, do_3D on 2-D, bad options, estimation without a size model', async () => {
    const img = Float32Array.from({ length: 64 }, (_, i) => i);
    img[3] = NaN;
    await expect(segment(stack(img, 1, 8, 8, 1), {}, net, noMasks)).rejects.toThrow(/NaN/);
    const ok = stack(Float32Array.from({ length: 64 }, (_, i) => i), 1, 8, 8, 1);
    const twoChannels = stack(Float32Array.from({ length: 64 }, (_, i) => i), 1, 8, 4, 2);
    await expect(segment(twoChannels, { channels: [3, 0] }, net, noMasks)).rejects.toThrow(/channel 3 is out of range: the image has 2/);
    await expect(segment(ok, { do3D: true }, net, noMasks)).rejects.toThrow(/do_3D needs a z-stack/);
    await expect(segment(ok, { batchSize: 0 }, net, noMasks)).rejects.toThrow(/batch_size/);
    await expect(segment(ok, { diameterPx: -3 }, net, noMasks)).rejects.toThrow(/diameter/);
    await expect(segment(ok, { diameterPx: 0 }, net, noMasks)).rejects.toThrow(/model stub has no size model \(\/models\/stub_size\.npy\)/);
    expect(calls).toBe(0);
  });
  it('refuses a huge declared image without allocating it', async () => {
    const huge = { ...stack(new Float32Array(1), 1, 1, 1, 1), nZ: 1000, height: 40000, width: 40000 };
    await expect(segment(huge, {}, net, noMasks)).rejects.toThrow(/too large/);
  });
  // (niter's rule, which segment takes from core/dynamics/niter.ts, is tested in test/core/dynamics/niter.test.ts)
  it('rescale follows Cellpose 3.1', () => {
    expect(rescaleFor(net.model, 30)).toBe(1);
    expect(rescaleFor(net.model, null)).toBeCloseTo(30 / 25, 12);
    expect(rescaleFor(net.model, 15)).toBe(2);
  });
  it('runs a small stub pass: one tile of the padded size, diameter kept, flows at the original size', async () => {
    const ok = stack(Float32Array.from({ length: 100 * 60 }, (_, i) => i % 17), 1, 100, 60, 1);
    const shapes: number[][] = [];
    const spy: SegmentNetwork = { ...net, run: (b, s) => { shapes.push([...s]); return net.run(b, s); } };
    const r = await segment(ok, { diameterPx: 15, computeMasks: false }, spy, noMasks);
    // rescale 2: 200 x 120 -> padded 224 x 144, a single tile
    expect(shapes).toEqual([[1, 2, 224, 144]]);
    expect(r.diameterUsedPx).toBe(15);
    expect(r.cellprob.length).toBe(100 * 60);
  });
});
