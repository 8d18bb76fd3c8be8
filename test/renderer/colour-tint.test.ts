// red=R / green=G / blue=B drawn as the cached RGB plane under a multiply tint (render/colour-tint.ts):
// wherever tintPlan says so, the tinted RGB picture must be exactly the mode's own picture, on
// real images of 1 channel (uint16 StarDist, and float32), 3 channels (8-bit RGB histology PNG)
// and 2 channels (its first two), with and without invert and with real 1-99 % levels.
import { readFileSync } from 'node:fs';
import { decode } from 'fast-png';
import { describe, expect, it } from 'vitest';
import type { ColourMode } from '../../src/renderer/src/render/colour-modes.ts';
import { composePlaneRgba } from '../../src/renderer/src/render/compose-plane.ts';
import { tintPlan } from '../../src/renderer/src/render/colour-tint.ts';
import type { Levels } from '../../src/renderer/src/render/display-scale.ts';
import type { NumericArray, PlaneGeometry } from '../../src/renderer/src/render/plane-geometry.ts';
import { asUint16, pythonArray } from './python-truth.ts';
import { sharedPath } from '../helpers/shared-data.ts';

const IMG2D = sharedPath('data/stardist-dsb2018-sample-2d/img2d.tif');
const RGB_PNG = sharedPath('data/dsb2018-stage1-brightfield-histology/images/00ae65c1c6631ae6f2be1a449902976e6eb8483bf6b0740d00530220832c6d3e.png');

/** What multiply by pure red / green / blue leaves of an opaque RGBA picture. */
function tinted(rgba: Uint8ClampedArray, c: 0 | 1 | 2): Uint8ClampedArray {
  const out = new Uint8ClampedArray(rgba.length);
  for (let o = 0; o < rgba.length; o += 4) {
    out[o + c] = rgba[o + c];
    out[o + 3] = rgba[o + 3];
  }
  return out;
}

function firstDiff(a: Uint8ClampedArray, b: Uint8ClampedArray): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

interface Case {
  name: string;
  data: NumericArray;
  g: PlaneGeometry;
  scale: { minValue: number; maxValue: number };
  levels: Levels[];
}

function cases(): Case[] {
  const img = pythonArray(`out = tifffile.imread(${JSON.stringify(IMG2D)})`);
  const [h, w] = img.shape;
  const u16 = asUint16(img);
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of u16) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  const png = decode(readFileSync(RGB_PNG));
  const rgb = png.data as Uint8Array;
  const n = png.width * png.height;
  const two = new Uint8Array(n * 2);
  for (let i = 0; i < n; i++) {
    two[i * 2] = rgb[i * 3];
    two[i * 2 + 1] = rgb[i * 3 + 1];
  }
  const levels: Levels[] = [
    [12, 180],
    [30, 240],
    [5, 90],
  ];
  const rgbGeom = (nChannels: number): PlaneGeometry => ({ nZ: 1, height: png.height, width: png.width, nChannels });
  return [
    { name: 'uint16, 1 channel', data: u16, g: { nZ: 1, height: h, width: w, nChannels: 1 }, scale: { minValue: lo, maxValue: hi }, levels },
    { name: 'float32, 1 channel', data: Float32Array.from(u16, (v) => v / 7), g: { nZ: 1, height: h, width: w, nChannels: 1 }, scale: { minValue: lo / 7, maxValue: hi / 7 }, levels },
    { name: 'uint8, 3 channels', data: rgb, g: rgbGeom(3), scale: { minValue: 0, maxValue: 255 }, levels },
    { name: 'uint8, 2 channels', data: two, g: rgbGeom(2), scale: { minValue: 0, maxValue: 255 }, levels },
  ];
}

describe('colour modes as a tint of the RGB plane', () => {
  const all = cases();
  const modes: ColourMode[] = ['red', 'green', 'blue', 'gray'];

  it('is exact wherever tintPlan uses it, for every mode, channel count and invert', () => {
    let tintedCount = 0;
    for (const c of all) {
      for (const invert of [false, true]) {
        const rgbPlane = composePlaneRgba(c.data, c.g, { z: 0, mode: 'RGB', levels: c.levels, scale: c.scale, invert });
        for (const mode of modes) {
          const plan = tintPlan(mode, c.g.nChannels, invert, c.levels.length);
          if (plan.base !== 'RGB') continue;
          const own = composePlaneRgba(c.data, c.g, { z: 0, mode, levels: c.levels, scale: c.scale, invert });
          const shown = plan.tint === null ? rgbPlane : tinted(rgbPlane, plan.tint);
          const at = firstDiff(own, shown);
          expect(at < 0 ? 'same' : `${c.name}, ${mode}, invert ${invert}: byte ${at} is ${shown[at]}, the mode shows ${own[at]}`).toBe('same');
          tintedCount++;
        }
      }
    }
    // 1 channel: red, green, blue and gray; 3 channels: red, green, blue; 2 channels: red, green,
    // and blue when not inverted — each with and without invert.
    expect(tintedCount).toBe(2 * 4 + 2 * 4 + 2 * 3 + (2 * 2 + 1));
  });

  it('composes the mode itself where the identity fails', () => {
    // 2 channels, inverted: blue is Cellpose's zero padding, 255 when inverted, but RGB keeps it 0.
    expect(tintPlan('blue', 2, true, 3)).toEqual({ base: 'blue', tint: null });
    // A channel without its own levels: RGB shows it at [0, 255], its own mode with levels[0].
    expect(tintPlan('green', 3, false, 1)).toEqual({ base: 'green', tint: null });
    expect(tintPlan('gray', 3, false, 3)).toEqual({ base: 'gray', tint: null });
    expect(tintPlan('spectral', 1, false, 3)).toEqual({ base: 'spectral', tint: null });
    // And the identity really fails there, on the real 2-channel picture.
    const two = all[3];
    const own = composePlaneRgba(two.data, two.g, { z: 0, mode: 'blue', levels: two.levels, scale: two.scale, invert: true });
    const rgbPlane = composePlaneRgba(two.data, two.g, { z: 0, mode: 'RGB', levels: two.levels, scale: two.scale, invert: true });
    expect(firstDiff(own, tinted(rgbPlane, 2))).toBeGreaterThanOrEqual(0);
  });
});
