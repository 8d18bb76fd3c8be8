// The shape of an opened image as the backend sends it: (Z, Y, X, C), row-major.
import type { TypedArray } from '../../../core/array/ndarray.ts';

export interface PlaneGeometry {
  nZ: number;
  height: number;
  width: number;
  nChannels: number;
}

/** Pixel data the renderer indexes with plain numbers: every typed array except the bigint ones
 *  (the image store converts int64/uint64 images to float64 once, on open). */
export type NumericArray = Exclude<TypedArray, BigInt64Array | BigUint64Array>;

/** Index of (z, y, x, c=0) in the flat (Z, Y, X, C) array. */
export function pixelOffset(g: PlaneGeometry, z: number, y: number, x: number): number {
  return ((z * g.height + y) * g.width + x) * g.nChannels;
}
