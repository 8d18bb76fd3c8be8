// JPEG -> raw (Y, X) uint8 for greyscale files, (Y, X, 3) RGB otherwise, as OpenCV's
// imread(IMREAD_UNCHANGED) + Cellpose's BGR->RGB gives them. jpeg-js always returns colour, so
// the component count is read from the frame header (SOF) to keep a grey JPEG one channel.
import jpeg from 'jpeg-js';
import type { NdArray } from '../array/ndarray.ts';
import { FormatError } from '../errors.ts';
import type { RawRaster } from './png.ts';

export function isJpeg(bytes: Uint8Array): boolean {
  return bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
}

interface JpegFrame {
  width: number;
  height: number;
  components: number;
}

/** Find the first SOFn marker; segments are walked by their lengths, bounds-checked. */
function readFrame(bytes: Uint8Array): JpegFrame {
  let at = 2;
  while (at + 4 <= bytes.length) {
    if (bytes[at] !== 0xff) throw new FormatError(`JPEG is corrupt: no marker at byte ${at}`);
    const marker = bytes[at + 1];
    if (marker === 0xff) {
      at++; // fill byte
      continue;
    }
    const len = (bytes[at + 2] << 8) | bytes[at + 3];
    const isSof = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isSof) {
      if (at + 10 > bytes.length) break;
      const height = (bytes[at + 5] << 8) | bytes[at + 6];
      const width = (bytes[at + 7] << 8) | bytes[at + 8];
      const components = bytes[at + 9];
      return { width, height, components };
    }
    if (marker === 0xda) break; // start of scan before any frame header
    at += 2 + len;
  }
  throw new FormatError('JPEG is truncated or corrupt: no frame header (SOF) found');
}

export function decodeJpeg(bytes: Uint8Array, maxDecodedBytes: number): RawRaster {
  if (!isJpeg(bytes)) throw new FormatError('not a JPEG file');
  const frame = readFrame(bytes);
  if (frame.width < 1 || frame.height < 1) throw new FormatError(`JPEG has an invalid size ${frame.width}x${frame.height}`);
  // jpeg-js works in RGBA internally: 4 bytes per pixel is what it allocates.
  const needBytes = frame.width * frame.height * 4;
  if (needBytes > maxDecodedBytes) throw new FormatError(`JPEG of ${frame.width}x${frame.height} is over the ${maxDecodedBytes}-byte limit`);
  // Every 8x8 block costs at least one bit of entropy-coded data (its DC code), so a JPEG cannot
  // expand much beyond 64 pixels x 3 bytes per bit (~1536:1); a header declaring more is corrupt,
  // and refusing it avoids decoding megapixels of garbage.
  if (frame.width * frame.height * 3 > bytes.length * 2000 + (1 << 20)) {
    throw new FormatError(`JPEG is corrupt: it declares ${frame.width}x${frame.height} pixels but holds only ${bytes.length} bytes`);
  }
  let decoded: { width: number; height: number; data: Uint8Array };
  try {
    decoded = jpeg.decode(bytes, {
      useTArray: true,
      formatAsRGBA: false,
      maxResolutionInMP: Math.ceil((frame.width * frame.height) / 1e6) + 1,
      maxMemoryUsageInMB: Math.ceil(needBytes / 2 ** 20) * 2 + 64,
    });
  } catch (e) {
    throw new FormatError(`JPEG could not be decoded (${e instanceof Error ? e.message : String(e)})`);
  }
  const { width, height } = decoded;
  const rgb = decoded.data;
  if (rgb.length !== width * height * 3) throw new FormatError('JPEG decoded to an unexpected size');
  if (frame.components === 1) {
    const gray = new Uint8Array(width * height);
    for (let p = 0; p < gray.length; p++) gray[p] = rgb[p * 3];
    return { array: { data: gray, shape: [height, width], dtype: 'uint8' } as NdArray, warnings: [] };
  }
  return { array: { data: rgb, shape: [height, width, 3], dtype: 'uint8' } as NdArray, warnings: [] };
}
