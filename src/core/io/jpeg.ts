// JPEG -> raw (Y, X) uint8 for greyscale files, (Y, X, 3) RGB otherwise, as OpenCV's
// imread(IMREAD_UNCHANGED) + Cellpose's BGR->RGB gives them, pixel for pixel (jpeg-decoder.ts
// reproduces libjpeg-turbo's arithmetic).
import type { NdArray } from '../array/ndarray.ts';
import { FormatError } from '../errors.ts';
import { decodeJpegPixels } from './jpeg-decoder.ts';
import type { RawRaster } from './png.ts';

export function isJpeg(bytes: Uint8Array): boolean {
  return bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
}

export function decodeJpeg(bytes: Uint8Array, maxDecodedBytes: number): RawRaster {
  if (!isJpeg(bytes)) throw new FormatError('not a JPEG file');
  let d;
  try {
    d = decodeJpegPixels(bytes, maxDecodedBytes);
  } catch (e) {
    if (e instanceof FormatError) throw e;
    // an index past a table or a buffer in corrupt data: still a corrupt file, not a crash
    throw new FormatError(`JPEG could not be decoded (${e instanceof Error ? e.message : String(e)})`);
  }
  const shape = d.channels === 1 ? [d.height, d.width] : [d.height, d.width, 3];
  return { array: { data: d.data, shape, dtype: 'uint8' } as NdArray, warnings: [] };
}
