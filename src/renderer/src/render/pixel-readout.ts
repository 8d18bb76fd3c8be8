// The status bar's readout: raw values of every channel at one pixel of the current plane.
import type { DType } from '../../../core/array/ndarray.ts';
import { type NumericArray, type PlaneGeometry, pixelOffset } from './plane-geometry.ts';

/** Raw values at integer pixel (x, y) of plane z, one per channel; null outside the image. */
export function valuesAt(data: NumericArray, g: PlaneGeometry, z: number, x: number, y: number): number[] | null {
  if (!Number.isInteger(x) || !Number.isInteger(y) || x < 0 || y < 0 || x >= g.width || y >= g.height) return null;
  if (z < 0 || z >= g.nZ) return null;
  const o = pixelOffset(g, z, y, x);
  const out: number[] = [];
  for (let c = 0; c < g.nChannels; c++) out.push(data[o + c]);
  return out;
}

/** Integers as they are; floats with 4 significant digits (NaN shown as NaN, not hidden). */
export function formatValue(v: number, dtype: DType): string {
  if (dtype !== 'float32' && dtype !== 'float64') return String(v);
  if (!Number.isFinite(v)) return String(v);
  return Number.isInteger(v) ? String(v) : v.toPrecision(4);
}

/** "x=12 y=40 value=231" or "x=12 y=40 values=[3, 200]" for several channels. */
export function formatReadout(x: number, y: number, values: readonly number[], dtype: DType): string {
  const vs = values.map((v) => formatValue(v, dtype));
  return values.length === 1 ? `x=${x} y=${y} value=${vs[0]}` : `x=${x} y=${y} values=[${vs.join(', ')}]`;
}

/** "512x512", "512x512, Z=24", "512x512, Z=24, C=2" (width x height, as Cellpose prints shapes). */
export function describeSize(g: PlaneGeometry): string {
  let s = `${g.width}x${g.height}`;
  if (g.nZ > 1) s += `, Z=${g.nZ}`;
  if (g.nChannels > 1) s += `, C=${g.nChannels}`;
  return s;
}
