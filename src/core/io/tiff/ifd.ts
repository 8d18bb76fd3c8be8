// TIFF structure: the header and the chain of image file directories (IFDs), classic and BigTIFF,
// either byte order. Our own walker rather than geotiff's because a corrupt file must fail
// cleanly: IFD loops are detected (geotiff would walk them forever), every offset and array is
// checked against the file length before it is read, so a hostile header cannot make us allocate.
import { FormatError } from '../../errors.ts';

export interface TiffHeader {
  littleEndian: boolean;
  bigTiff: boolean;
  firstIfdOffset: number;
}

/** One IFD entry, not yet interpreted. `valueOffset` is where the value bytes start. */
export interface IfdEntry {
  tag: number;
  type: number;
  count: number;
  valueOffset: number;
}

export interface Ifd {
  offset: number;
  entries: Map<number, IfdEntry>;
}

/** Size in bytes of one value of each TIFF field type (0 = unknown type). */
const TYPE_SIZE: Record<number, number> = {
  1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4, 16: 8, 17: 8, 18: 8,
};

/** More IFDs than this is not an image we can show; it also bounds the walk on a corrupt chain. */
export const MAX_IFDS = 100_000;

export class TiffReader {
  readonly view: DataView;
  readonly header: TiffHeader;
  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.header = parseHeader(bytes, this.view);
  }

  get length(): number {
    return this.bytes.byteLength;
  }

  u16(at: number): number {
    return this.view.getUint16(at, this.header.littleEndian);
  }
  u32(at: number): number {
    return this.view.getUint32(at, this.header.littleEndian);
  }
  /** 64-bit offsets as a number; offsets past 2^53 cannot be inside a file we hold in memory. */
  u64(at: number): number {
    const v = this.view.getBigUint64(at, this.header.littleEndian);
    return v > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(v);
  }

  private ensure(at: number, n: number, what: string): void {
    if (at < 0 || n < 0 || at + n > this.length) {
      throw new FormatError(`TIFF is truncated or corrupt: ${what} at byte ${at} (+${n}) lies outside the ${this.length}-byte file`);
    }
  }

  /** Walk the IFD chain from the header. Stops at offset 0; a loop or a bad offset is an error. */
  readIfds(): Ifd[] {
    const ifds: Ifd[] = [];
    const seen = new Set<number>();
    let offset = this.header.firstIfdOffset;
    while (offset !== 0) {
      if (seen.has(offset)) throw new FormatError(`TIFF is corrupt: the IFD chain loops back to byte ${offset}`);
      if (ifds.length >= MAX_IFDS) throw new FormatError(`TIFF has more than ${MAX_IFDS} pages; not supported`);
      seen.add(offset);
      const { ifd, next } = this.readIfd(offset);
      ifds.push(ifd);
      offset = next;
    }
    if (ifds.length === 0) throw new FormatError('TIFF has no image (no IFD)');
    return ifds;
  }

  private readIfd(offset: number): { ifd: Ifd; next: number } {
    const big = this.header.bigTiff;
    const countSize = big ? 8 : 2;
    const entrySize = big ? 20 : 12;
    const inlineSize = big ? 8 : 4;
    this.ensure(offset, countSize, 'IFD');
    const n = big ? this.u64(offset) : this.u16(offset);
    const start = offset + countSize;
    this.ensure(start, n * entrySize + (big ? 8 : 4), `IFD with ${n} entries`);
    const entries = new Map<number, IfdEntry>();
    for (let i = 0; i < n; i++) {
      const at = start + i * entrySize;
      const tag = this.u16(at);
      const type = this.u16(at + 2);
      const count = big ? this.u64(at + 4) : this.u32(at + 4);
      const size = TYPE_SIZE[type] ?? 0;
      // Unknown field types are skipped (the TIFF spec says readers should ignore them).
      if (size === 0) continue;
      const valueAt = at + (big ? 12 : 8);
      const total = size * count;
      const valueOffset = total <= inlineSize ? valueAt : big ? this.u64(valueAt) : this.u32(valueAt);
      entries.set(tag, { tag, type, count, valueOffset });
    }
    const nextAt = start + n * entrySize;
    const next = big ? this.u64(nextAt) : this.u32(nextAt);
    return { ifd: { offset, entries }, next };
  }

  /** The numeric values of an entry (integer, rational or float types), bounds-checked. */
  numbers(e: IfdEntry): number[] {
    const size = TYPE_SIZE[e.type] ?? 0;
    this.ensure(e.valueOffset, size * e.count, `values of tag ${e.tag}`);
    const out = new Array<number>(e.count);
    const le = this.header.littleEndian;
    const v = this.view;
    for (let i = 0; i < e.count; i++) {
      const at = e.valueOffset + i * size;
      switch (e.type) {
        case 1: case 2: case 7: out[i] = v.getUint8(at); break;
        case 6: out[i] = v.getInt8(at); break;
        case 3: out[i] = v.getUint16(at, le); break;
        case 8: out[i] = v.getInt16(at, le); break;
        case 4: case 13: out[i] = v.getUint32(at, le); break;
        case 9: out[i] = v.getInt32(at, le); break;
        case 5: out[i] = v.getUint32(at, le) / v.getUint32(at + 4, le); break;
        case 10: out[i] = v.getInt32(at, le) / v.getInt32(at + 4, le); break;
        case 11: out[i] = v.getFloat32(at, le); break;
        case 12: out[i] = v.getFloat64(at, le); break;
        case 16: case 18: out[i] = this.u64(at); break;
        case 17: out[i] = Number(v.getBigInt64(at, le)); break;
        default: out[i] = 0;
      }
    }
    return out;
  }

  /** An ASCII/UTF-8 text entry, without its trailing NULs. */
  text(e: IfdEntry): string {
    this.ensure(e.valueOffset, e.count, `text of tag ${e.tag}`);
    const raw = this.bytes.subarray(e.valueOffset, e.valueOffset + e.count);
    let end = raw.length;
    while (end > 0 && raw[end - 1] === 0) end--;
    return latin1Decode(raw.subarray(0, end));
  }
}

/** Bytes as Latin-1 text (TIFF ASCII fields, chunk names). Local because the lint rule for Node's
 *  'util/*' built-ins also matches core's own util/ folder. */
export function latin1Decode(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]);
  return s;
}

function parseHeader(bytes: Uint8Array, view: DataView): TiffHeader {
  if (bytes.byteLength < 8) throw new FormatError(`TIFF is truncated: ${bytes.byteLength} bytes, the header alone needs 8`);
  const bo = (bytes[0] << 8) | bytes[1];
  if (bo !== 0x4949 && bo !== 0x4d4d) throw new FormatError('not a TIFF file (no II/MM byte-order mark)');
  const littleEndian = bo === 0x4949;
  const magic = view.getUint16(2, littleEndian);
  if (magic === 42) {
    return { littleEndian, bigTiff: false, firstIfdOffset: view.getUint32(4, littleEndian) };
  }
  if (magic === 43) {
    if (bytes.byteLength < 16) throw new FormatError('BigTIFF is truncated: the header needs 16 bytes');
    if (view.getUint16(4, littleEndian) !== 8) throw new FormatError('BigTIFF header is corrupt (offset size is not 8)');
    const off = view.getBigUint64(8, littleEndian);
    return { littleEndian, bigTiff: true, firstIfdOffset: off > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(off) };
  }
  throw new FormatError(`not a TIFF file (version ${magic}, expected 42 or 43)`);
}
