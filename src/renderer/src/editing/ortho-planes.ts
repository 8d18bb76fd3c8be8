// The XZ and YZ cuts of a (Z, Y, X) stack through a point (A.5 ortho views): image grey from one
// channel through display levels, masks blended on top. Pure; RGBA out.
import { MASK_ALPHA } from '../render/mask-overlay.ts';

export interface OrthoSource {
  /** (Z, Y, X, C) image values. */
  pixels: ArrayLike<number>;
  nZ: number;
  height: number;
  width: number;
  nChannels: number;
  channel: number;
  /** Display range [lo, hi] of that channel. */
  levels: readonly [number, number];
  /** (Z, Y, X) labels or null; colours (N, 3). */
  masks: ArrayLike<number> | null;
  colours: Uint8Array | null;
}

function shade(s: OrthoSource, z: number, y: number, x: number, out: Uint8ClampedArray, o: number): number {
  const v = s.pixels[((z * s.height + y) * s.width + x) * s.nChannels + s.channel];
  const [lo, hi] = s.levels;
  const g = hi > lo ? ((v - lo) / (hi - lo)) * 255 : 0;
  let r = g;
  let gg = g;
  let b = g;
  let id = 0;
  if (s.masks) {
    id = s.masks[(z * s.height + y) * s.width + x];
    if (id > 0 && s.colours && id * 3 <= s.colours.length) {
      const a = MASK_ALPHA / 255;
      const c = (id - 1) * 3;
      r = r * (1 - a) + s.colours[c] * a;
      gg = gg * (1 - a) + s.colours[c + 1] * a;
      b = b * (1 - a) + s.colours[c + 2] * a;
    }
  }
  out[o] = r;
  out[o + 1] = gg;
  out[o + 2] = b;
  out[o + 3] = 255;
  return id;
}

/** XZ cut at row y: (nZ rows, width columns). Returns the RGBA and the mask pixel count. */
export function orthoXZ(s: OrthoSource, y: number): { rgba: Uint8ClampedArray<ArrayBuffer>; maskPx: number } {
  const rgba = new Uint8ClampedArray(s.nZ * s.width * 4);
  let maskPx = 0;
  for (let z = 0; z < s.nZ; z++) for (let x = 0; x < s.width; x++) if (shade(s, z, y, x, rgba, (z * s.width + x) * 4) > 0) maskPx++;
  return { rgba, maskPx };
}

/** YZ cut at column x: (height rows, nZ columns), Z running left to right as in Cellpose's ZY panel. */
export function orthoYZ(s: OrthoSource, x: number): { rgba: Uint8ClampedArray<ArrayBuffer>; maskPx: number } {
  const rgba = new Uint8ClampedArray(s.height * s.nZ * 4);
  let maskPx = 0;
  for (let y = 0; y < s.height; y++) for (let z = 0; z < s.nZ; z++) if (shade(s, z, y, x, rgba, (y * s.nZ + z) * 4) > 0) maskPx++;
  return { rgba, maskPx };
}
