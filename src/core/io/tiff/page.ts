// One TIFF page (IFD) interpreted: geometry, sample type, compression and where its strips or
// tiles lie. Validation happens here, before any pixel is decoded, so an absurd or truncated
// header is refused without allocating the image it declares.
import { BYTES_PER_ELEMENT, type DType } from '../../array/ndarray.ts';
import { FormatError } from '../../errors.ts';
import type { Ifd, TiffReader } from './ifd.ts';

export const TAG = {
  ImageWidth: 256,
  ImageLength: 257,
  BitsPerSample: 258,
  Compression: 259,
  Photometric: 262,
  ImageDescription: 270,
  StripOffsets: 273,
  SamplesPerPixel: 277,
  RowsPerStrip: 278,
  StripByteCounts: 279,
  PlanarConfiguration: 284,
  Predictor: 317,
  TileWidth: 322,
  TileLength: 323,
  TileOffsets: 324,
  TileByteCounts: 325,
  SampleFormat: 339,
} as const;

export const COMPRESSION = { none: 1, lzw: 5, ojpeg: 6, jpeg: 7, deflate: 8, adobeDeflate: 32946, packbits: 32773 } as const;

export interface TiffPage {
  index: number;
  width: number;
  height: number;
  samplesPerPixel: number;
  bitsPerSample: number;
  /** 1 unsigned int, 2 signed int, 3 IEEE float. */
  sampleFormat: number;
  dtype: DType;
  compression: number;
  photometric: number;
  /** 1 = samples interleaved (chunky), 2 = one plane per sample. */
  planarConfig: number;
  predictor: number;
  tiled: boolean;
  /** Chunk (strip or tile) geometry: for strips, chunkWidth = width and chunkHeight = RowsPerStrip. */
  chunkWidth: number;
  chunkHeight: number;
  chunkOffsets: number[];
  chunkByteCounts: number[];
  description: string | undefined;
}

/** Worst-case expansion (decoded / encoded bytes) of each codec, used to spot a header that
 *  declares far more pixels than its compressed data could hold. Deflate's limit is ~1032:1;
 *  LZW with 12-bit codes can emit up to 4096 bytes per 9..12-bit code; PackBits 128 per 2. */
const MAX_EXPANSION: Record<number, number> = {
  [COMPRESSION.none]: 1,
  [COMPRESSION.deflate]: 1100,
  [COMPRESSION.adobeDeflate]: 1100,
  [COMPRESSION.lzw]: 3000,
  [COMPRESSION.packbits]: 64,
};

const COMPRESSION_NAMES: Record<number, string> = {
  2: 'CCITT RLE', 3: 'CCITT fax3', 4: 'CCITT fax4', 6: 'old-style JPEG', 7: 'JPEG', 34712: 'JPEG 2000',
  33003: 'JPEG 2000', 34887: 'LERC', 50000: 'Zstandard', 34925: 'LZMA', 50001: 'WebP', 50002: 'JPEG XL',
};

function sampleDType(bits: number, format: number): DType | string {
  if (format === 1) {
    // Bilevel pages (1 bit per sample, rows padded to whole bytes) decode to one byte per sample,
    // 0 or 1: the values tifffile gives (as bool), in the smallest type the rest of the app reads.
    if (bits === 1) return 'uint8';
    if (bits === 8) return 'uint8';
    if (bits === 16) return 'uint16';
    if (bits === 32) return 'uint32';
    if (bits === 64) return 'uint64';
  } else if (format === 2) {
    if (bits === 8) return 'int8';
    if (bits === 16) return 'int16';
    if (bits === 32) return 'int32';
    if (bits === 64) return 'int64';
  } else if (format === 3) {
    // Half floats are decoded as their raw 16-bit words and widened to float32 after (decode-tiff).
    if (bits === 16) return 'uint16';
    if (bits === 32) return 'float32';
    if (bits === 64) return 'float64';
  }
  const kind = format === 1 ? 'unsigned integer' : format === 2 ? 'signed integer' : format === 3 ? 'float' : format === 5 || format === 6 ? 'complex' : `sample format ${format}`;
  return `${bits}-bit ${kind} samples are not supported (supported: 8/16/32/64-bit integers, 16/32/64-bit floats)`;
}

export function readPage(r: TiffReader, ifd: Ifd, index: number): TiffPage {
  const e = ifd.entries;
  const first = (tag: number, dflt?: number): number => {
    const entry = e.get(tag);
    if (!entry || entry.count === 0) {
      if (dflt === undefined) throw new FormatError(`TIFF page ${index} lacks required tag ${tag}`);
      return dflt;
    }
    return r.numbers({ ...entry, count: 1 })[0];
  };
  const all = (tag: number): number[] | undefined => {
    const entry = e.get(tag);
    return entry ? r.numbers(entry) : undefined;
  };
  const width = first(TAG.ImageWidth);
  const height = first(TAG.ImageLength);
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new FormatError(`TIFF page ${index} has an invalid size ${width}x${height}`);
  }
  const samplesPerPixel = first(TAG.SamplesPerPixel, 1);
  if (samplesPerPixel < 1 || samplesPerPixel > 64) throw new FormatError(`TIFF page ${index} has ${samplesPerPixel} samples per pixel; not supported`);
  const bitsList = all(TAG.BitsPerSample) ?? [1];
  const bitsPerSample = bitsList[0];
  if (bitsList.some((b) => b !== bitsPerSample)) {
    throw new FormatError(`TIFF page ${index} mixes bit depths per sample (${bitsList.join(', ')}); not supported`);
  }
  const formatList = all(TAG.SampleFormat) ?? [1];
  const sampleFormat = formatList[0];
  const dtype = sampleDType(bitsPerSample, sampleFormat);
  if (!isDType(dtype)) throw new FormatError(`TIFF page ${index}: ${dtype}`);
  const compression = first(TAG.Compression, 1);
  if (!(compression in MAX_EXPANSION)) {
    const name = COMPRESSION_NAMES[compression] ?? `code ${compression}`;
    throw new FormatError(`TIFF page ${index} uses ${name} compression; supported: none, LZW, Deflate, PackBits`);
  }
  const photometric = first(TAG.Photometric, samplesPerPixel >= 3 ? 2 : 1);
  if (photometric === 6) throw new FormatError(`TIFF page ${index} is YCbCr; not supported`);
  const planarConfig = samplesPerPixel > 1 ? first(TAG.PlanarConfiguration, 1) : 1;
  if (planarConfig !== 1 && planarConfig !== 2) throw new FormatError(`TIFF page ${index} has an invalid planar configuration ${planarConfig}`);
  const predictor = first(TAG.Predictor, 1);
  if (predictor !== 1 && predictor !== 2 && predictor !== 3) throw new FormatError(`TIFF page ${index} has an unknown predictor ${predictor}`);
  if (bitsPerSample === 1 && predictor !== 1) throw new FormatError(`TIFF page ${index} uses a predictor on 1-bit samples; not supported`);

  const tiled = e.has(TAG.TileOffsets);
  const chunkWidth = tiled ? first(TAG.TileWidth) : width;
  const chunkHeight = tiled ? first(TAG.TileLength) : Math.min(first(TAG.RowsPerStrip, height), height);
  if (!(chunkWidth >= 1 && chunkHeight >= 1)) throw new FormatError(`TIFF page ${index} has an invalid ${tiled ? 'tile' : 'strip'} size`);
  const chunkOffsets = all(tiled ? TAG.TileOffsets : TAG.StripOffsets);
  if (!chunkOffsets) throw new FormatError(`TIFF page ${index} has no strip or tile offsets (no pixel data)`);
  const samplesPerChunk = planarConfig === 1 ? samplesPerPixel : 1;
  const rowBytes = (w: number): number => storedRowBytes(bitsPerSample, w * samplesPerChunk);
  const nAcross = Math.ceil(width / chunkWidth);
  const nDown = Math.ceil(height / chunkHeight);
  const nChunks = nAcross * nDown * (planarConfig === 2 ? samplesPerPixel : 1);
  if (chunkOffsets.length < nChunks) {
    throw new FormatError(`TIFF page ${index} is corrupt: ${chunkOffsets.length} ${tiled ? 'tiles' : 'strips'} listed, ${nChunks} needed`);
  }
  let chunkByteCounts = all(tiled ? TAG.TileByteCounts : TAG.StripByteCounts);
  const fullChunkBytes = rowBytes(chunkWidth) * chunkHeight;
  if (!chunkByteCounts) {
    // Some old writers omit StripByteCounts for uncompressed single-strip images.
    if (compression !== COMPRESSION.none) throw new FormatError(`TIFF page ${index} lacks strip byte counts`);
    chunkByteCounts = chunkOffsets.map(() => fullChunkBytes);
  }
  if (chunkByteCounts.length < nChunks) throw new FormatError(`TIFF page ${index} is corrupt: fewer byte counts than strips/tiles`);

  // Every chunk must lie inside the file; uncompressed chunks must hold the pixels they declare,
  // compressed ones cannot expand beyond the codec's limit. This is what refuses a 40000x40000
  // header with no data before anything of that size is allocated.
  const expansion = MAX_EXPANSION[compression];
  let storedBytes = 0;
  for (let i = 0; i < nChunks; i++) {
    const off = chunkOffsets[i];
    const n = chunkByteCounts[i];
    if (!(off >= 0 && n >= 0 && off + n <= r.length)) {
      throw new FormatError(`TIFF is truncated: page ${index} ${tiled ? 'tile' : 'strip'} ${i} (bytes ${off}..${off + n}) lies beyond the end of the ${r.length}-byte file`);
    }
    if (compression === COMPRESSION.none) {
      const rows = tiled ? chunkHeight : Math.min(chunkHeight, height - (i % nDown) * chunkHeight);
      const need = rowBytes(tiled ? chunkWidth : width) * rows;
      if (n < need) throw new FormatError(`TIFF is truncated: page ${index} ${tiled ? 'tile' : 'strip'} ${i} holds ${n} bytes, ${need} needed`);
    }
    storedBytes += n;
  }
  const decodedBytes = nChunks * fullChunkBytes;
  if (compression !== COMPRESSION.none && decodedBytes > storedBytes * expansion + 65536) {
    throw new FormatError(`TIFF page ${index} is corrupt: it declares ${width}x${height} pixels (${decodedBytes} bytes) but holds only ${storedBytes} compressed bytes`);
  }
  const descEntry = e.get(TAG.ImageDescription);
  const description = descEntry && descEntry.type === 2 ? r.text(descEntry) : undefined;
  return {
    index, width, height, samplesPerPixel, bitsPerSample, sampleFormat, dtype, compression, photometric, planarConfig,
    predictor, tiled, chunkWidth, chunkHeight, chunkOffsets, chunkByteCounts, description,
  };
}

const DTYPES = new Set<string>(['uint8', 'int8', 'uint16', 'int16', 'uint32', 'int32', 'float32', 'float64', 'int64', 'uint64']);
function isDType(s: string): s is DType {
  return DTYPES.has(s);
}

/** Bytes of one page once decoded (samples interleaved; a 1-bit sample decodes to one byte). */
export function pageBytes(p: TiffPage): number {
  return p.width * p.height * p.samplesPerPixel * BYTES_PER_ELEMENT[p.dtype];
}

/** Bytes a row of `values` samples takes in the file: 1-bit rows are padded to whole bytes. */
export function storedRowBytes(bitsPerSample: number, values: number): number {
  return bitsPerSample === 1 ? Math.ceil(values / 8) : values * (bitsPerSample / 8);
}

/** Two pages belong to one series when they have the same geometry and sample type. */
export function samePageShape(a: TiffPage, b: TiffPage): boolean {
  return a.width === b.width && a.height === b.height && a.samplesPerPixel === b.samplesPerPixel && a.dtype === b.dtype;
}
