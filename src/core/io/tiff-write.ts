// A small TIFF encoder: classic little-endian TIFF, strips, one IFD per page, no compression or
// Deflate (compression 8, zlib stream, as tifffile's compression='zlib' writes it, which is what
// Cellpose uses for _masks.tif). Written by hand because geotiff's writer only does GeoTIFF-style
// single images. Readers checked: tifffile and geotiff (test/core/io/image/tiff-write.test.ts).
import { zlibSync } from 'fflate';
import { BYTES_PER_ELEMENT, type DType, type NdArray } from '../array/ndarray.ts';
import { FormatError } from '../errors.ts';

interface StripCodec {
  code: number;
  encode(raw: Uint8Array): Uint8Array;
}

export interface EncodeTiffOptions {
  compression?: 'none' | 'deflate';
  /** Write an ImageJ header ("ImageJ=1.11a\nimages=N\nslices=N"), so Fiji opens a stack as Z. */
  imagej?: boolean;
  /** ImageDescription of the first page (ignored when imagej is set). */
  description?: string;
  /** A 3-D uint8 array with a last axis of 3 is RGB unless this says otherwise. */
  rgb?: boolean;
  /** zlib compressor for 'deflate' (default fflate level 6); hosts may pass Node's native zlib. */
  deflate?: (raw: Uint8Array) => Uint8Array;
}

const WRITABLE: Partial<Record<DType, number>> = { uint8: 1, uint16: 1, uint32: 1, int8: 2, int16: 2, int32: 2, float32: 3, float64: 3 };
const IMAGEJ_DTYPES: DType[] = ['uint8', 'uint16', 'float32'];
/** Strips of about this many raw bytes: small enough to stream, large enough to compress well. */
const STRIP_TARGET_BYTES = 256 * 1024;

interface Page {
  data: Uint8Array;
  height: number;
  width: number;
  samples: number;
  dtype: DType;
}

function bytesOf(a: NdArray, start: number, length: number): Uint8Array {
  const bpe = BYTES_PER_ELEMENT[a.dtype];
  return new Uint8Array(a.data.buffer, a.data.byteOffset + start * bpe, length * bpe);
}

function toPages(input: NdArray | NdArray[], rgbOpt: boolean | undefined): Page[] {
  const arrays = Array.isArray(input) ? input : [input];
  if (arrays.length === 0) throw new FormatError('no pages to write');
  const pages: Page[] = [];
  for (const a of arrays) {
    if (!(a.dtype in WRITABLE)) throw new FormatError(`cannot write ${a.dtype} to TIFF (supported: ${Object.keys(WRITABLE).join(', ')})`);
    const s = a.shape;
    const isRgb = s.length === 3 && s[2] === 3 && (rgbOpt ?? a.dtype === 'uint8');
    if (s.length === 2) {
      pages.push({ data: bytesOf(a, 0, s[0] * s[1]), height: s[0], width: s[1], samples: 1, dtype: a.dtype });
    } else if (isRgb) {
      pages.push({ data: bytesOf(a, 0, s[0] * s[1] * 3), height: s[0], width: s[1], samples: 3, dtype: a.dtype });
    } else if (s.length === 3 && !Array.isArray(input)) {
      const n = s[1] * s[2];
      for (let z = 0; z < s[0]; z++) pages.push({ data: bytesOf(a, z * n, n), height: s[1], width: s[2], samples: 1, dtype: a.dtype });
    } else {
      throw new FormatError(`cannot write an array of shape [${s.join(', ')}] as TIFF pages (need (Y,X), (Y,X,3) or (Z,Y,X))`);
    }
  }
  const p0 = pages[0];
  if (p0.height < 1 || p0.width < 1) throw new FormatError('cannot write an empty image');
  for (const p of pages) {
    if (p.height !== p0.height || p.width !== p0.width || p.samples !== p0.samples || p.dtype !== p0.dtype) {
      throw new FormatError('all TIFF pages must have the same shape and dtype');
    }
  }
  return pages;
}

type Entry = { tag: number; type: 2 | 3 | 4; values: number[] | Uint8Array };

const TYPE_BYTES = { 2: 1, 3: 2, 4: 4 } as const;

/** Grows a byte buffer; TIFF offsets are kept even (word-aligned) as the spec asks. */
class ByteSink {
  private buf = new Uint8Array(1 << 16);
  length = 0;
  private ensure(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.length + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }
  bytes(b: Uint8Array): number {
    this.align();
    const at = this.length;
    this.ensure(b.length);
    this.buf.set(b, at);
    this.length += b.length;
    return at;
  }
  align(): void {
    if (this.length % 2 === 1) {
      this.ensure(1);
      this.buf[this.length++] = 0;
    }
  }
  view(): DataView {
    return new DataView(this.buf.buffer, 0, this.length);
  }
  result(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

function writeIfd(sink: ByteSink, entries: Entry[]): number {
  entries.sort((a, b) => a.tag - b.tag);
  // Values longer than 4 bytes go after the IFD; compute their offsets first.
  const ifdBytes = 2 + entries.length * 12 + 4;
  sink.align();
  const ifdAt = sink.length;
  const ifd = new Uint8Array(ifdBytes);
  const dv = new DataView(ifd.buffer);
  dv.setUint16(0, entries.length, true);
  let extraAt = ifdAt + ifdBytes;
  const extras: Uint8Array[] = [];
  entries.forEach((e, i) => {
    const size = TYPE_BYTES[e.type];
    const n = e.values.length;
    const raw = new Uint8Array(Math.max(4, n * size));
    const rv = new DataView(raw.buffer);
    for (let k = 0; k < n; k++) {
      const v = e.values[k];
      if (e.type === 2) rv.setUint8(k, v);
      else if (e.type === 3) rv.setUint16(k * size, v, true);
      else rv.setUint32(k * size, v, true);
    }
    const at = 2 + i * 12;
    dv.setUint16(at, e.tag, true);
    dv.setUint16(at + 2, e.type, true);
    dv.setUint32(at + 4, n, true);
    if (n * size <= 4) {
      ifd.set(raw.subarray(0, 4), at + 8);
    } else {
      dv.setUint32(at + 8, extraAt, true);
      const padded = raw.length % 2 === 1 ? concat([raw, new Uint8Array(1)]) : raw;
      extras.push(padded);
      extraAt += padded.length;
    }
  });
  sink.bytes(ifd);
  for (const x of extras) sink.bytes(x);
  return ifdAt;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function imagejDescription(nPages: number, samples: number): string {
  const lines = ['ImageJ=1.11a', `images=${nPages}`];
  if (nPages > 1) lines.push(`slices=${nPages}`, 'hyperstack=true');
  if (samples === 1) lines.push('mode=grayscale');
  lines.push('loop=false');
  return lines.join('\n') + '\n';
}

export function encodeTiff(input: NdArray | NdArray[], opts: EncodeTiffOptions = {}): Uint8Array {
  const pages = toPages(input, opts.rgb);
  const p0 = pages[0];
  if (opts.imagej && !IMAGEJ_DTYPES.includes(p0.dtype)) {
    throw new FormatError(`ImageJ TIFFs hold only ${IMAGEJ_DTYPES.join(', ')}; got ${p0.dtype}`);
  }
  const codec: StripCodec | undefined =
    opts.compression === 'deflate' ? { code: 8, encode: opts.deflate ?? ((raw) => zlibSync(raw, { level: 6 })) } : undefined;
  const description = opts.imagej ? imagejDescription(pages.length, p0.samples) : opts.description;
  const bps = BYTES_PER_ELEMENT[p0.dtype] * 8;
  const rowBytes = p0.width * p0.samples * (bps / 8);
  const rowsPerStrip = Math.max(1, Math.min(p0.height, Math.floor(STRIP_TARGET_BYTES / rowBytes)));

  const sink = new ByteSink();
  sink.bytes(new Uint8Array([0x49, 0x49, 42, 0, 0, 0, 0, 0]));
  let linkAt = 4; // where the offset of the next IFD is written
  pages.forEach((p, k) => {
    const offsets: number[] = [];
    const counts: number[] = [];
    for (let y = 0; y < p.height; y += rowsPerStrip) {
      const rows = Math.min(rowsPerStrip, p.height - y);
      const raw = p.data.subarray(y * rowBytes, (y + rows) * rowBytes);
      const stored = codec ? codec.encode(raw) : raw;
      offsets.push(sink.bytes(stored));
      counts.push(stored.length);
    }
    const entries: Entry[] = [
      { tag: 256, type: 4, values: [p.width] },
      { tag: 257, type: 4, values: [p.height] },
      { tag: 258, type: 3, values: new Array<number>(p.samples).fill(bps) },
      { tag: 259, type: 3, values: [codec ? codec.code : 1] },
      { tag: 262, type: 3, values: [p.samples === 3 ? 2 : 1] },
      { tag: 273, type: 4, values: offsets },
      { tag: 277, type: 3, values: [p.samples] },
      { tag: 278, type: 4, values: [rowsPerStrip] },
      { tag: 279, type: 4, values: counts },
      { tag: 284, type: 3, values: [1] },
      { tag: 339, type: 3, values: new Array<number>(p.samples).fill(WRITABLE[p.dtype] ?? 1) },
    ];
    if (k === 0 && description !== undefined) {
      const text = new Uint8Array(description.length + 1);
      for (let i = 0; i < description.length; i++) text[i] = description.charCodeAt(i) & 0xff;
      entries.push({ tag: 270, type: 2, values: text });
    }
    const ifdAt = writeIfd(sink, entries);
    if (sink.length > 0xffffffff) throw new FormatError('TIFF would exceed 4 GiB (BigTIFF is not written)');
    sink.view().setUint32(linkAt, ifdAt, true);
    linkAt = ifdAt + 2 + entries.length * 12;
  });
  return sink.result();
}
