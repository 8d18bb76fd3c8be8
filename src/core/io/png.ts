// PNG -> raw (Y, X) or (Y, X, 3) array in the file's bit depth, as Cellpose reads it through
// OpenCV's imread(IMREAD_UNCHANGED) followed by img[..., [2, 1, 0]].
//
// Alpha: OpenCV keeps alpha as a 4th channel, but Cellpose's BGR->RGB step indexes only channels
// [2, 1, 0], so alpha never reaches the model. We drop it too (gray+alpha -> gray, RGBA -> RGB) and
// warn when the dropped alpha was not constant. Palette PNGs become RGB (OpenCV expands them).
// 1/2/4-bit grey is expanded to 0..255 like libpng's expand transform.
import { decode as decodePngLib, convertIndexedToRgb } from 'fast-png';
import type { NdArray } from '../array/ndarray.ts';
import { FormatError } from '../errors.ts';
import { latin1Decode } from './tiff/ifd.ts';

export interface RawRaster {
  array: NdArray;
  warnings: string[];
}

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const CHANNELS_BY_COLOR_TYPE: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

export function isPng(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && SIGNATURE.every((b, i) => bytes[i] === b);
}

interface PngHeader {
  width: number;
  height: number;
  bitDepth: number;
  colorType: number;
  idatBytes: number;
}

/** Read IHDR and walk the chunks (lengths only), so size and truncation are known before decoding. */
function readHeader(bytes: Uint8Array): PngHeader {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 33) throw new FormatError(`PNG is truncated: ${bytes.length} bytes, the header alone needs 33`);
  if (latin1Decode(bytes.subarray(12, 16)) !== 'IHDR') throw new FormatError('PNG is corrupt: the first chunk is not IHDR');
  const width = view.getUint32(16);
  const height = view.getUint32(20);
  const bitDepth = bytes[24];
  const colorType = bytes[25];
  if (width < 1 || height < 1) throw new FormatError(`PNG has an invalid size ${width}x${height}`);
  if (!(colorType in CHANNELS_BY_COLOR_TYPE)) throw new FormatError(`PNG has an unknown colour type ${colorType}`);
  if (![1, 2, 4, 8, 16].includes(bitDepth)) throw new FormatError(`PNG has an invalid bit depth ${bitDepth}`);
  let at = 8;
  let idatBytes = 0;
  let sawEnd = false;
  while (at + 8 <= bytes.length) {
    const len = view.getUint32(at);
    const type = latin1Decode(bytes.subarray(at + 4, at + 8));
    if (at + 12 + len > bytes.length) throw new FormatError(`PNG is truncated: chunk ${type} at byte ${at} runs past the end of the file`);
    if (type === 'IDAT') idatBytes += len;
    if (type === 'IEND') {
      sawEnd = true;
      break;
    }
    at += 12 + len;
  }
  if (idatBytes === 0) throw new FormatError('PNG has no image data (no IDAT chunk)');
  if (!sawEnd) throw new FormatError('PNG is truncated (no IEND chunk)');
  return { width, height, bitDepth, colorType, idatBytes };
}

function unpackLowBitGray(data: Uint8Array, width: number, height: number, depth: number): Uint8Array {
  const out = new Uint8Array(width * height);
  const rowBytes = Math.ceil((width * depth) / 8);
  const mask = (1 << depth) - 1;
  const scale = 255 / mask;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const bit = x * depth;
      const byte = data[y * rowBytes + (bit >> 3)];
      const v = (byte >> (8 - depth - (bit & 7))) & mask;
      out[y * width + x] = Math.round(v * scale);
    }
  }
  return out;
}

export function decodePng(bytes: Uint8Array, maxDecodedBytes: number): RawRaster {
  if (!isPng(bytes)) throw new FormatError('not a PNG file');
  const h = readHeader(bytes);
  const channels = CHANNELS_BY_COLOR_TYPE[h.colorType] * (h.colorType === 3 ? 4 : 1);
  const decodedBytes = h.width * h.height * channels * Math.max(1, h.bitDepth / 8);
  if (decodedBytes > maxDecodedBytes) {
    throw new FormatError(`PNG of ${h.width}x${h.height} would decode to ${decodedBytes} bytes, over the ${maxDecodedBytes}-byte limit`);
  }
  // zlib cannot expand more than ~1032:1; a header promising more pixels than that is corrupt.
  const filteredBytes = h.height * (1 + Math.ceil((h.width * CHANNELS_BY_COLOR_TYPE[h.colorType] * h.bitDepth) / 8));
  if (filteredBytes > h.idatBytes * 1100 + 65536) {
    throw new FormatError(`PNG is corrupt: it declares ${h.width}x${h.height} pixels but holds only ${h.idatBytes} compressed bytes`);
  }
  let png: ReturnType<typeof decodePngLib>;
  try {
    png = decodePngLib(bytes);
  } catch (e) {
    throw new FormatError(`PNG could not be decoded (${e instanceof Error ? e.message : String(e)})`);
  }
  const { width, height } = png;
  const warnings: string[] = [];
  let data: Uint8Array | Uint16Array;
  let nChannels: number;
  if (png.palette) {
    const rgb = convertIndexedToRgb(png);
    const perPixel = png.palette[0]?.length ?? 3;
    data = dropAlpha(rgb, width * height, perPixel, warnings);
    nChannels = 3;
  } else if (png.depth < 8) {
    data = unpackLowBitGray(png.data as Uint8Array, width, height, png.depth);
    nChannels = 1;
  } else {
    const src = png.data instanceof Uint16Array ? png.data : new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.length);
    if (png.channels === 2 || png.channels === 4) {
      data = dropAlpha(src, width * height, png.channels, warnings);
      nChannels = png.channels - 1;
    } else {
      data = src;
      nChannels = png.channels;
    }
  }
  if (data.length !== width * height * nChannels) throw new FormatError('PNG decoded to an unexpected size');
  const shape = nChannels === 1 ? [height, width] : [height, width, nChannels];
  const array = (data instanceof Uint16Array
    ? { data, shape, dtype: 'uint16' }
    : { data, shape, dtype: 'uint8' }) as NdArray;
  return { array, warnings };
}

function dropAlpha<T extends Uint8Array | Uint16Array>(src: T, nPixels: number, perPixel: number, warnings: string[]): T {
  if (perPixel !== 2 && perPixel !== 4) return src;
  const keep = perPixel - 1;
  const out = (src instanceof Uint16Array ? new Uint16Array(nPixels * keep) : new Uint8Array(nPixels * keep)) as T;
  const alpha0 = src[perPixel - 1];
  let constant = true;
  for (let p = 0; p < nPixels; p++) {
    for (let c = 0; c < keep; c++) out[p * keep + c] = src[p * perPixel + c];
    if (src[p * perPixel + keep] !== alpha0) constant = false;
  }
  if (!constant) warnings.push('PNG alpha channel is not constant; it is ignored (as Cellpose does)');
  return out;
}
