// PNG encoders for label images and previews. Cellpose writes _cp_masks.png as 16-bit greyscale
// (OpenCV), and only when the largest label fits (GUI_AND_FORMATS B.6); callers check that.
import { encode } from 'fast-png';
import type { NdArray } from '../array/ndarray.ts';
import { FormatError } from '../errors.ts';

function geometry(a: NdArray, what: string): { height: number; width: number; channels: number } {
  const s = a.shape;
  if (s.length === 2) return { height: s[0], width: s[1], channels: 1 };
  if (s.length === 3 && (s[2] === 1 || s[2] === 3 || s[2] === 4)) return { height: s[0], width: s[1], channels: s[2] };
  throw new FormatError(`${what}: need a (Y, X) or (Y, X, 1|3|4) array, got shape [${s.join(', ')}]`);
}

/** 16-bit PNG of a uint16 array (Y, X) (or (Y, X, 3|4)). */
export function encodePng16(a: NdArray): Uint8Array {
  if (a.dtype !== 'uint16') throw new FormatError(`encodePng16 needs uint16 data, got ${a.dtype}`);
  const { height, width, channels } = geometry(a, 'encodePng16');
  return encode({ width, height, data: a.data as Uint16Array, depth: 16, channels });
}

/** 8-bit PNG of a uint8 array (Y, X), (Y, X, 3) RGB or (Y, X, 4) RGBA. */
export function encodePng8(a: NdArray): Uint8Array {
  if (a.dtype !== 'uint8') throw new FormatError(`encodePng8 needs uint8 data, got ${a.dtype}`);
  const { height, width, channels } = geometry(a, 'encodePng8');
  return encode({ width, height, data: a.data as Uint8Array, depth: 8, channels });
}
