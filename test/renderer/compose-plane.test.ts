// composePlaneRgba against an independent numpy implementation of Cellpose's display path:
// whole-stack min-max to 0..255, then per-channel levels (update_plot + pyqtgraph setLevels).
import { readFileSync } from 'node:fs';
import { decode } from 'fast-png';
import { describe, expect, it } from 'vitest';
import { composePlaneRgba } from '../../src/renderer/src/render/compose-plane.ts';
import { autoLevels } from '../../src/renderer/src/render/display-scale.ts';
import { SPECTRAL_LUT } from '../../src/renderer/src/render/luts.ts';
import { asFloat64, asUint16, pythonArray } from './python-truth.ts';
import { sharedPath } from '../helpers/shared-data.ts';

const IMG2D = sharedPath('data/stardist-dsb2018-sample-2d/img2d.tif');
const RGB_PNG = sharedPath('data/dsb2018-stage1-brightfield-histology/images/00ae65c1c6631ae6f2be1a449902976e6eb8483bf6b0740d00530220832c6d3e.png');

/** Largest per-byte difference and how many bytes differ at all. */
function compare(a: Uint8ClampedArray, b: Uint8Array): { maxDiff: number; nDiff: number } {
  let maxDiff = 0;
  let nDiff = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (d > 0) nDiff++;
    if (d > maxDiff) maxDiff = d;
  }
  return { maxDiff, nDiff };
}

describe('composePlaneRgba on real images', () => {
  it('gray mode of the uint16 StarDist image matches numpy (min-max to 0..255, 1-99 percentile levels)', () => {
    const img = pythonArray(`out = tifffile.imread(${JSON.stringify(IMG2D)})`);
    const [h, w] = img.shape;
    const data = asUint16(img);
    // Percentiles and the expected picture come from numpy, computed the way Cellpose does.
    const stats = asFloat64(pythonArray(`a = tifffile.imread(${JSON.stringify(IMG2D)}).astype(np.float64)
out = np.array([a.min(), a.max(), *np.percentile(a, [1, 99])])`));
    const scale = { minValue: stats[0], maxValue: stats[1] };
    const levels = autoLevels([[stats[2], stats[3]]], scale);
    const truth = pythonArray(`a = tifffile.imread(${JSON.stringify(IMG2D)}).astype(np.float32)
s = (a - a.min()) / (a.max() - a.min()) * 255
lo, hi = np.percentile(s, [1, 99])
v = np.clip((s - lo) / (hi - lo) * 255, 0, 255).astype(np.uint8)
out = np.stack([v, v, v, np.full_like(v, 255)], -1)`);
    const rgba = composePlaneRgba(data, { nZ: 1, height: h, width: w, nChannels: 1 }, { z: 0, mode: 'gray', levels, scale, invert: false });
    const { maxDiff, nDiff } = compare(rgba, truth.bytes);
    // float32 numpy vs float64 here: a value on a truncation boundary may land one level apart.
    expect(maxDiff).toBeLessThanOrEqual(1);
    expect(nDiff).toBeLessThan(rgba.length * 0.01);
    // And the picture is not trivially flat: the nuclei saturate, the background is dark.
    expect(rgba.filter((_, i) => i % 4 === 0 && rgba[i] === 255).length).toBeGreaterThan(w * h * 0.005);
  });

  it('RGB mode of a real 8-bit RGB PNG applies each channel its own levels', () => {
    const png = decode(readFileSync(RGB_PNG));
    expect(png.channels).toBe(3);
    const data = png.data as Uint8Array;
    const levels: Array<[number, number]> = [
      [20, 200],
      [40, 230],
      [0, 128],
    ];
    const truth = pythonArray(`from PIL import Image
a = np.asarray(Image.open(${JSON.stringify(RGB_PNG)})).astype(np.float32)
s = (a - a.min()) / (a.max() - a.min()) * 255
lv = np.array(${JSON.stringify(levels)}, np.float32)
v = np.clip((s - lv[:, 0]) / (lv[:, 1] - lv[:, 0]) * 255, 0, 255).astype(np.uint8)
out = np.concatenate([v, np.full(v.shape[:2] + (1,), 255, np.uint8)], -1)`);
    let min = 255;
    let max = 0;
    for (const v of data) {
      if (v < min) min = v;
      if (v > max) max = v;
    }
    const rgba = composePlaneRgba(
      data,
      { nZ: 1, height: png.height, width: png.width, nChannels: 3 },
      { z: 0, mode: 'RGB', levels, scale: { minValue: min, maxValue: max }, invert: false },
    );
    const { maxDiff, nDiff } = compare(rgba, truth.bytes);
    expect(maxDiff).toBeLessThanOrEqual(1);
    expect(nDiff).toBeLessThan(rgba.length * 0.01);
  });

  it('green mode of an RGB image shows only channel 1 through the green ramp; invert flips it', () => {
    const png = decode(readFileSync(RGB_PNG));
    const data = png.data as Uint8Array;
    const g = { nZ: 1, height: png.height, width: png.width, nChannels: 3 };
    const scale = { minValue: 0, maxValue: 255 };
    const levels: Array<[number, number]> = [
      [0, 255],
      [0, 255],
      [0, 255],
    ];
    const green = composePlaneRgba(data, g, { z: 0, mode: 'green', levels, scale, invert: false });
    const inv = composePlaneRgba(data, g, { z: 0, mode: 'green', levels, scale, invert: true });
    for (const i of [0, 1000, 40_000, png.width * png.height - 1]) {
      expect([green[i * 4], green[i * 4 + 1], green[i * 4 + 2]]).toEqual([0, data[i * 3 + 1], 0]);
      expect(inv[i * 4 + 1]).toBe(255 - data[i * 3 + 1]);
    }
  });

  it('spectral mode uses the Cellpose spectral table (known entries of the upstream table)', () => {
    // Entries read off Cellpose's make_spectral(): 32 -> violet-blue, 64 -> cyan, 160 -> yellow, 224 -> red.
    const entry = (i: number): number[] => Array.from(SPECTRAL_LUT.subarray(i * 3, i * 3 + 3));
    expect(entry(0)).toEqual([0, 0, 0]);
    expect(entry(32)).toEqual([128, 0, 255]);
    expect(entry(64)).toEqual([0, 255, 255]);
    expect(entry(160)).toEqual([255, 255, 0]);
    expect(entry(224)).toEqual([255, 0, 0]);
    const data = new Uint16Array([0, 1000, 2000, 4000]);
    const rgba = composePlaneRgba(
      data,
      { nZ: 1, height: 1, width: 4, nChannels: 1 },
      { z: 0, mode: 'spectral', levels: [[0, 255]], scale: { minValue: 0, maxValue: 4000 }, invert: false },
    );
    // 2000 of 0..4000 -> display 127.5 -> index 127.
    expect(Array.from(rgba.subarray(8, 11))).toEqual(entry(127));
    expect(Array.from(rgba.subarray(12, 15))).toEqual(entry(255));
  });

  it('picks the requested Z plane of a (Z, Y, X, C) stack and leaves a missing blue channel black', () => {
    // Two planes of a 2-channel 2x2 image; plane 1 holds distinct values.
    const data = new Uint8Array([
      ...[0, 0, 0, 0, 0, 0, 0, 0],
      ...[255, 0, 0, 255, 128, 128, 255, 255],
    ]);
    const rgba = composePlaneRgba(
      data,
      { nZ: 2, height: 2, width: 2, nChannels: 2 },
      { z: 1, mode: 'RGB', levels: [[0, 255], [0, 255], [0, 255]], scale: { minValue: 0, maxValue: 255 }, invert: false },
    );
    expect(Array.from(rgba)).toEqual([255, 0, 0, 255, 0, 255, 0, 255, 128, 128, 0, 255, 255, 255, 0, 255]);
  });

  it('maps NaN to black and refuses a plane outside the stack', () => {
    const data = new Float32Array([NaN, 1]);
    const g = { nZ: 1, height: 1, width: 2, nChannels: 1 };
    const opts = { z: 0, mode: 'gray' as const, levels: [[0, 255] as [number, number]], scale: { minValue: 0, maxValue: 1 }, invert: false };
    expect(Array.from(composePlaneRgba(data, g, opts))).toEqual([0, 0, 0, 255, 255, 255, 255, 255]);
    expect(() => composePlaneRgba(data, g, { ...opts, z: 1 })).toThrow(/plane 1 is outside 0..0/);
  });
});

describe('composePlaneRgba fast and general paths agree', () => {
  it('uint16 (tabulated) and the same values as float32 (arithmetic) give identical pictures in every mode', () => {
    const img = pythonArray(`a = tifffile.imread(${JSON.stringify(IMG2D)})
out = np.stack([a, a[::-1], (a // 2)[:, ::-1]], -1)`); // 3 real-valued channels from the real image
    const [h, w, c] = img.shape;
    const u16 = asUint16(img);
    const f32 = Float32Array.from(u16);
    const g = { nZ: 1, height: h, width: w, nChannels: c };
    const levels: Array<[number, number]> = [
      [10, 140],
      [0, 255],
      [30, 90],
    ];
    for (const mode of ['RGB', 'red', 'green', 'blue', 'gray', 'spectral'] as const) {
      for (const invert of [false, true]) {
        const opts = { z: 0, mode, levels, scale: { minValue: 0, maxValue: 235 }, invert };
        const a = composePlaneRgba(u16, g, opts);
        const b = composePlaneRgba(f32, g, opts);
        expect(compare(a, new Uint8Array(b.buffer)), `${mode} invert=${invert}`).toEqual({ maxDiff: 0, nDiff: 0 });
      }
    }
  });
});
