// TIFF -> raw array in the shape tifffile's first series has (what Cellpose's io.imread returns),
// plus the axis letters when ImageJ or OME metadata names them. Pixels are returned in host byte
// order, which is little-endian on every platform Node and Electron run on.
import { BYTES_PER_ELEMENT, type DType, type NdArray, type TypedArray } from '../../array/ndarray.ts';
import { FormatError } from '../../errors.ts';
import type { AxisLetter } from '../image-types.ts';
import { decodePage, type Inflate } from './chunks.ts';
import { TiffReader, type Ifd } from './ifd.ts';
import { parseImageJ, parseOme, parseTifffileShape, type SeriesLayout } from './metadata.ts';
import { TAG, pageBytes, readPage, samePageShape, type TiffPage } from './page.ts';

export interface RawTiff {
  /** Raw array: (page dims..., Y, X[, samples]). */
  array: NdArray;
  /** One letter per raw axis when metadata names every axis (ImageJ hyperstack, OME). */
  letters: AxisLetter[] | undefined;
  samplesPerPixel: number;
  kind: 'imagej' | 'ome' | 'tifffile' | 'plain';
  warnings: string[];
}

export interface TiffDecodeOptions {
  /** Refuse to decode more than this many bytes of pixels. */
  maxDecodedBytes: number;
  /** Deflate implementation (default fflate). */
  inflate?: Inflate;
}

function typedView(dtype: DType, buf: ArrayBuffer, length: number): TypedArray {
  switch (dtype) {
    case 'uint8': return new Uint8Array(buf, 0, length);
    case 'int8': return new Int8Array(buf, 0, length);
    case 'uint16': return new Uint16Array(buf, 0, length);
    case 'int16': return new Int16Array(buf, 0, length);
    case 'uint32': return new Uint32Array(buf, 0, length);
    case 'int32': return new Int32Array(buf, 0, length);
    case 'float32': return new Float32Array(buf, 0, length);
    case 'float64': return new Float64Array(buf, 0, length);
    case 'int64': return new BigInt64Array(buf, 0, length);
    case 'uint64': return new BigUint64Array(buf, 0, length);
    default: throw new FormatError(`TIFF sample type ${dtype} is not supported`);
  }
}

function sameGeometryTags(r: TiffReader, a: Ifd, b: Ifd): boolean {
  for (const tag of [TAG.ImageWidth, TAG.ImageLength]) {
    const ea = a.entries.get(tag);
    const eb = b.entries.get(tag);
    if (!ea || !eb) return false;
    if (r.numbers({ ...ea, count: 1 })[0] !== r.numbers({ ...eb, count: 1 })[0]) return false;
  }
  return true;
}

function product(ns: number[]): number {
  return ns.reduce((a, b) => a * b, 1);
}

function layoutOf(p: TiffPage): SeriesLayout | undefined {
  const d = p.description;
  if (d === undefined) return undefined;
  return parseImageJ(d) ?? parseOme(d, p.samplesPerPixel) ?? parseTifffileShape(d, p.height, p.width, p.samplesPerPixel);
}

export async function decodeTiff(bytes: Uint8Array, opts: TiffDecodeOptions): Promise<RawTiff> {
  const reader = new TiffReader(bytes);
  const ifds = reader.readIfds();
  const first = readPage(reader, ifds[0], 0);
  const warnings: string[] = [];
  let layout = layoutOf(first);
  if (layout) warnings.push(...layout.notes);

  // The series: as many pages as the metadata declares, else the leading run of same-shaped
  // pages (tifffile's rule for plain files; later pages of another size are thumbnails etc.).
  const pages: TiffPage[] = [first];
  const wanted = layout ? product(layout.pageDims.map((d) => d.size)) : ifds.length;
  if (layout && wanted > ifds.length) {
    warnings.push(`${layout.kind} metadata declares ${wanted} pages but the file has ${ifds.length}; axes are guessed instead`);
    layout = undefined;
  }
  const limit = layout ? wanted : ifds.length;
  const perPage = pageBytes(first);
  for (let k = 1; k < limit; k++) {
    if ((k + 1) * perPage > opts.maxDecodedBytes) {
      throw new FormatError(`TIFF would decode to more than ${formatBytes(opts.maxDecodedBytes)} (${ifds.length} pages of ${formatBytes(perPage)}); over the limit`);
    }
    let p: TiffPage;
    try {
      p = readPage(reader, ifds[k], k);
    } catch (e) {
      // A broken page of the same size is part of the image: fail. Another size ends the series.
      if (layout || sameGeometryTags(reader, ifds[0], ifds[k])) throw e;
      break;
    }
    if (!samePageShape(first, p)) {
      if (layout) throw new FormatError(`TIFF page ${k} differs in size or type from page 0 inside the ${layout.kind} series`);
      break;
    }
    pages.push(p);
  }
  if (pages.length < ifds.length) {
    warnings.push(`TIFF has ${ifds.length} pages; only the first ${pages.length} (one series) are read`);
  }
  if (layout && layout.kind === 'tifffile' && product(layout.pageDims.map((d) => d.size)) !== pages.length) layout = undefined;

  const total = pages.length * perPage;
  if (total > opts.maxDecodedBytes) {
    throw new FormatError(`TIFF would decode to ${formatBytes(total)}, over the ${formatBytes(opts.maxDecodedBytes)} limit`);
  }
  const dest = new Uint8Array(total);
  for (let k = 0; k < pages.length; k++) {
    decodePage(bytes, pages[k], reader.header.littleEndian, dest.subarray(k * perPage, (k + 1) * perPage), opts.inflate);
  }

  const spp = first.samplesPerPixel;
  const pageShape = spp > 1 ? [first.height, first.width, spp] : [first.height, first.width];
  const pageLetters: AxisLetter[] = spp > 1 ? ['Y', 'X', 'C'] : ['Y', 'X'];
  let shape: number[];
  let letters: AxisLetter[] | undefined;
  if (layout) {
    shape = [...layout.pageDims.map((d) => d.size), ...pageShape];
    // tifffile's JSON gives sizes, not meanings: only ImageJ and OME name the axes.
    const known = layout.kind !== 'tifffile' && layout.pageDims.every((d) => d.letter !== null);
    const dimLetters = layout.pageDims.map((d) => d.letter);
    // RGB samples become the channel axis; a file with both a C axis and RGB samples has no
    // Cellpose meaning, so its axes are left to the guess (which will refuse 5 axes).
    letters = known && !(spp > 1 && dimLetters.includes('C')) ? [...(dimLetters as AxisLetter[]), ...pageLetters] : undefined;
  } else {
    // tifffile squeezes a single page: a one-page file is (Y, X[, S]).
    shape = pages.length > 1 ? [pages.length, ...pageShape] : pageShape;
    letters = undefined;
  }
  if (first.bitsPerSample === 1) warnings.push('1-bit TIFF: read as 0/1 values (uint8)');
  if (first.photometric === 3) warnings.push('palette TIFF: colour-map indices are read, not colours (as tifffile does)');
  const length = total / BYTES_PER_ELEMENT[first.dtype];
  let data = typedView(first.dtype, dest.buffer, length);
  let dtype = first.dtype;
  if (first.sampleFormat === 3 && first.bitsPerSample === 16) {
    data = halfToFloat32(data as Uint16Array);
    dtype = 'float32';
    warnings.push('float16 samples read as float32 (exact)');
  } else if (data instanceof BigInt64Array || data instanceof BigUint64Array) {
    const narrowed = narrow64(data);
    data = narrowed.data;
    dtype = narrowed.dtype;
    warnings.push(narrowed.note);
  }
  return {
    array: { data, shape, dtype } as NdArray,
    letters,
    samplesPerPixel: spp,
    kind: layout ? layout.kind : 'plain',
    warnings,
  };
}

/** IEEE half-precision words -> float32 (every half is exactly a float32: subnormals, inf, NaN). */
export function halfToFloat32(h: Uint16Array): Float32Array {
  const out = new Float32Array(h.length);
  for (let i = 0; i < h.length; i++) {
    const w = h[i];
    const sign = w & 0x8000 ? -1 : 1;
    const exp = (w >> 10) & 0x1f;
    const frac = w & 0x3ff;
    if (exp === 0) out[i] = sign * frac * 2 ** -24;
    else if (exp === 31) out[i] = frac ? NaN : sign * Infinity;
    else out[i] = sign * (1024 + frac) * 2 ** (exp - 25);
  }
  return out;
}

/** 64-bit integer pixels (label images written by numpy/tifffile are often int64) become the
 *  narrowest of uint32 / int32 that holds every value, else float64 (exact up to 2^53). The rest
 *  of the app then sees only the dtypes it handles; the values are unchanged. */
export function narrow64(v: BigInt64Array | BigUint64Array): { data: Uint32Array | Int32Array | Float64Array; dtype: DType; note: string } {
  let lo = 0n;
  let hi = 0n;
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (x < lo) lo = x;
    if (x > hi) hi = x;
  }
  const from = v instanceof BigInt64Array ? 'int64' : 'uint64';
  const dtype = lo >= 0n && hi <= 0xffffffffn ? 'uint32' : lo >= -0x80000000n && hi <= 0x7fffffffn ? 'int32' : 'float64';
  const data = dtype === 'uint32' ? new Uint32Array(v.length) : dtype === 'int32' ? new Int32Array(v.length) : new Float64Array(v.length);
  for (let i = 0; i < v.length; i++) data[i] = Number(v[i]);
  const exact = lo >= -(2n ** 53n) && hi <= 2n ** 53n;
  const note =
    dtype !== 'float64'
      ? `${from} samples read as ${dtype} (every value fits)`
      : `${from} samples read as float64${exact ? ' (every value fits exactly)' : `; values beyond 2^53 are rounded (range ${lo}..${hi})`}`;
  return { data, dtype, note };
}

export function formatBytes(n: number): string {
  if (n >= 1024 ** 3) return `${(n / 1024 ** 3).toFixed(1)} GiB`;
  if (n >= 1024 ** 2) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${n} bytes`;
}
