// The gradXY / cellprob / gradZ views (A.3): flows shown at fixed levels [0, 255], gradXY as
// direct RGB, cellprob and gradZ through the blue-white-red table.
import { BWR_LUT } from './luts.ts';
import { LITTLE_ENDIAN } from './raw-byte-table.ts';

/** Cellpose shows cellprob as normalize99 (1st..99th percentile -> 0..1), clipped, times 255, as
 *  uint8. Percentiles use linear interpolation between order statistics, as numpy's default does. */
export function cellprobToU8(cellprob: Float32Array): Uint8Array {
  const sorted = Float32Array.from(cellprob).sort();
  const pct = (p: number): number => {
    if (sorted.length === 0) return 0;
    const pos = (p / 100) * (sorted.length - 1);
    const i = Math.floor(pos);
    const j = Math.min(sorted.length - 1, i + 1);
    return sorted[i] + (sorted[j] - sorted[i]) * (pos - i);
  };
  const lo = pct(1);
  const hi = pct(99);
  const span = hi - lo;
  const out = new Uint8Array(cellprob.length);
  for (let i = 0; i < cellprob.length; i++) {
    const v = span > 0 ? (cellprob[i] - lo) / span : 0;
    out[i] = v <= 0 || Number.isNaN(v) ? 0 : v >= 1 ? 255 : Math.trunc(v * 255);
  }
  return out;
}

/** One plane of a (Z, Y, X, 3) uint8 flow picture as RGBA. Whole 32-bit pixels are written (a
 *  4096^2 plane in ~1/3 of the byte-wise time); a big-endian host takes the byte-wise path. */
export function rgbPlaneToRgba(rgb: Uint8Array, z: number, plane: number, out: Uint8ClampedArray): Uint8ClampedArray {
  const base = z * plane * 3;
  if (LITTLE_ENDIAN && out.byteOffset % 4 === 0) {
    const out32 = new Uint32Array(out.buffer, out.byteOffset, plane);
    for (let i = 0, o = base; i < plane; i++, o += 3) out32[i] = (0xff000000 | (rgb[o + 2] << 16) | (rgb[o + 1] << 8) | rgb[o]) >>> 0;
    return out;
  }
  for (let i = 0; i < plane; i++) {
    out[i * 4] = rgb[base + i * 3];
    out[i * 4 + 1] = rgb[base + i * 3 + 1];
    out[i * 4 + 2] = rgb[base + i * 3 + 2];
    out[i * 4 + 3] = 255;
  }
  return out;
}

/** BWR_LUT as opaque RGBA words, written byte by byte and read as words (right on either byte order). */
const BWR_RGBA: Uint32Array = (() => {
  const bytes = new Uint8ClampedArray(256 * 4);
  for (let v = 0; v < 256; v++) {
    bytes[v * 4] = BWR_LUT[v * 3];
    bytes[v * 4 + 1] = BWR_LUT[v * 3 + 1];
    bytes[v * 4 + 2] = BWR_LUT[v * 3 + 2];
    bytes[v * 4 + 3] = 255;
  }
  return new Uint32Array(bytes.buffer);
})();

/** One plane of a (Z, Y, X) uint8 picture through the blue-white-red table, as RGBA. */
export function bwrPlaneToRgba(u8: Uint8Array, z: number, plane: number, out: Uint8ClampedArray): Uint8ClampedArray {
  const base = z * plane;
  if (out.byteOffset % 4 === 0) {
    const out32 = new Uint32Array(out.buffer, out.byteOffset, plane);
    for (let i = 0; i < plane; i++) out32[i] = BWR_RGBA[u8[base + i]];
    return out;
  }
  for (let i = 0; i < plane; i++) {
    const l = u8[base + i] * 3;
    out[i * 4] = BWR_LUT[l];
    out[i * 4 + 1] = BWR_LUT[l + 1];
    out[i * 4 + 2] = BWR_LUT[l + 2];
    out[i * 4 + 3] = 255;
  }
  return out;
}

/** The network pictures a flow view reads (the labels store's FlowViews). */
export interface FlowPictures {
  flowRgb: Uint8Array | null;
  cellprobU8: Uint8Array | null;
  dZU8: Uint8Array | null;
}

/**
 * The writer of flow view `view` for plane z into an RGBA plane, or null when that view has no
 * picture of the image's size (nZ planes of `plane` pixels): the canvas then shows the image.
 */
export function flowViewWriter(view: string, f: FlowPictures, z: number, nZ: number, plane: number): ((rgba: Uint8ClampedArray) => void) | null {
  const { flowRgb, cellprobU8, dZU8 } = f;
  if (view === 'gradXY' && flowRgb && flowRgb.length === nZ * plane * 3) return (rgba) => rgbPlaneToRgba(flowRgb, z, plane, rgba);
  if (view === 'cellprob' && cellprobU8 && cellprobU8.length === nZ * plane) return (rgba) => bwrPlaneToRgba(cellprobU8, z, plane, rgba);
  if (view === 'gradZ' && dZU8 && dZU8.length === nZ * plane) return (rgba) => bwrPlaneToRgba(dZU8, z, plane, rgba);
  return null;
}
