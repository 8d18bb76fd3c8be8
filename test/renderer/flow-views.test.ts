// The gradXY and cellprob views' RGBA (render/flow-views.ts), written as whole 32-bit pixels, equal
// the byte-by-byte definition on real pixels: the StarDist image's bytes as a 2-plane picture.
import { describe, expect, it } from 'vitest';
import { BWR_LUT } from '../../src/renderer/src/render/luts.ts';
import { bwrPlaneToRgba, flowViewWriter, rgbPlaneToRgba } from '../../src/renderer/src/render/flow-views.ts';
import { pythonArray } from './python-truth.ts';
import { sharedPath } from '../helpers/shared-data.ts';

const IMG2D = sharedPath('data/stardist-dsb2018-sample-2d/img2d.tif');

describe('flow view pictures', () => {
  const img = pythonArray(`out = tifffile.imread(${JSON.stringify(IMG2D)})`);
  const bytes = img.bytes; // 512 x 512 uint16 as 2 * 512^2 bytes
  const plane = 256 * 256;

  it('gradXY: plane z of a (Z, Y, X, 3) picture, opaque', () => {
    const rgb = bytes.subarray(0, 2 * plane * 3);
    for (const z of [0, 1]) {
      const got = rgbPlaneToRgba(rgb, z, plane, new Uint8ClampedArray(plane * 4));
      let bad = -1;
      for (let i = 0; i < plane && bad < 0; i++) {
        const o = (z * plane + i) * 3;
        if (got[i * 4] !== rgb[o] || got[i * 4 + 1] !== rgb[o + 1] || got[i * 4 + 2] !== rgb[o + 2] || got[i * 4 + 3] !== 255) bad = i;
      }
      expect(bad).toBe(-1);
    }
  });

  it('cellprob: each byte through the blue-white-red table, opaque', () => {
    const u8 = bytes.subarray(0, 2 * plane);
    const got = bwrPlaneToRgba(u8, 1, plane, new Uint8ClampedArray(plane * 4));
    let bad = -1;
    for (let i = 0; i < plane && bad < 0; i++) {
      const l = u8[plane + i] * 3;
      if (got[i * 4] !== BWR_LUT[l] || got[i * 4 + 1] !== BWR_LUT[l + 1] || got[i * 4 + 2] !== BWR_LUT[l + 2] || got[i * 4 + 3] !== 255) bad = i;
    }
    expect(bad).toBe(-1);
  });

  it('flowViewWriter picks the view\'s picture for plane z, or null when it is missing or of another size', () => {
    const rgb = bytes.subarray(0, 2 * plane * 3);
    const u8 = bytes.subarray(0, 2 * plane);
    const f = { flowRgb: rgb, cellprobU8: u8, dZU8: null };
    const write = (view: string) => {
      const w = flowViewWriter(view, f, 1, 2, plane);
      if (!w) return null;
      const out = new Uint8ClampedArray(plane * 4);
      w(out);
      return out;
    };
    expect(write('gradXY')).toEqual(rgbPlaneToRgba(rgb, 1, plane, new Uint8ClampedArray(plane * 4)));
    expect(write('cellprob')).toEqual(bwrPlaneToRgba(u8, 1, plane, new Uint8ClampedArray(plane * 4)));
    expect(write('gradZ')).toBeNull();
    expect(write('image')).toBeNull();
    // a picture of another image (3 planes expected) is not shown
    expect(flowViewWriter('cellprob', f, 0, 3, plane)).toBeNull();
  });
});
