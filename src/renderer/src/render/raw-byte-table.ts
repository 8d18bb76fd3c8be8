// Integer images of at most 16 bits have at most 65536 distinct raw values, so the whole display
// mapping (min-max scale, levels, clip, invert, colour table) can be tabulated once per redraw and
// the per-pixel work becomes one table read. This is what keeps a 2048x2048 uint16 plane fast.
import type { NumericArray } from './plane-geometry.ts';

export interface RawDomain {
  /** Smallest representable raw value (index 0 of a table). */
  first: number;
  /** Number of representable raw values. */
  count: number;
}

/** The raw value range of a small integer array type, or null when tabulating does not pay
 *  (32-bit integers and floats go through arithmetic instead). */
export function smallIntegerDomain(data: NumericArray): RawDomain | null {
  if (data instanceof Uint8Array || data instanceof Uint8ClampedArray) return { first: 0, count: 256 };
  if (data instanceof Int8Array) return { first: -128, count: 256 };
  if (data instanceof Uint16Array) return { first: 0, count: 65536 };
  if (data instanceof Int16Array) return { first: -32768, count: 65536 };
  return null;
}

/** Packing RGBA into one Uint32 write assumes little-endian byte order (every platform Electron
 *  and Chromium ship on); on a big-endian host the caller uses the byte-wise path. */
export const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

export function packRgba(r: number, g: number, b: number): number {
  return ((255 << 24) | (b << 16) | (g << 8) | r) >>> 0;
}
