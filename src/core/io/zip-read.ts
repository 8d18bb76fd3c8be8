// Read a ZIP archive from bytes via its central directory: stored and deflate entries, zip64
// sizes/offsets. Enough for PyTorch checkpoints (stored entries, see ALGORITHMS.md Appendix B)
// and our own _rois.zip. Entries are decoded lazily; stored data is returned as a view.
import { inflateSync } from 'fflate';
import { FormatError } from '../errors.ts';
import { latin1Decode, textDecoder } from '../util/platform.ts';

export interface ZipEntry {
  readonly name: string;
  /** 0 stored, 8 deflate. */
  readonly method: number;
  readonly compressedSize: number;
  readonly size: number;
  readonly localHeaderOffset: number;
}

const SIG_EOCD = 0x06054b50;
const SIG_ZIP64_LOCATOR = 0x07064b50;
const SIG_ZIP64_EOCD = 0x06064b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_LOCAL = 0x04034b50;
/** Deflate cannot expand data by more than about 1032:1; a larger declared size is a lie. */
const MAX_DEFLATE_RATIO = 1032;

export function isZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
}

function u64(view: DataView, at: number): number {
  const v = view.getBigUint64(at, true);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new FormatError('zip: 64-bit field too large');
  return Number(v);
}

/** List the entries of a ZIP archive (in central-directory order). */
export function readZipEntries(bytes: Uint8Array): ZipEntry[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = bytes.length;
  if (n < 22) throw new FormatError('zip: too short to be a ZIP archive');
  let eocd = -1;
  const stop = Math.max(0, n - 22 - 0xffff);
  for (let i = n - 22; i >= stop; i--) {
    if (view.getUint32(i, true) === SIG_EOCD) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new FormatError('zip: end of central directory not found (truncated archive?)');
  let count = view.getUint16(eocd + 10, true);
  let cdSize = view.getUint32(eocd + 12, true);
  let cdOffset = view.getUint32(eocd + 16, true);
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    const loc = eocd - 20;
    if (loc < 0 || view.getUint32(loc, true) !== SIG_ZIP64_LOCATOR) throw new FormatError('zip: zip64 locator missing');
    const z = u64(view, loc + 8);
    if (z + 56 > n || view.getUint32(z, true) !== SIG_ZIP64_EOCD) throw new FormatError('zip: zip64 end record missing');
    count = u64(view, z + 32);
    cdSize = u64(view, z + 40);
    cdOffset = u64(view, z + 48);
  }
  if (cdOffset + cdSize > n) throw new FormatError('zip: central directory lies beyond the end of the file (truncated?)');
  if (count > cdSize / 46) throw new FormatError(`zip: ${count} entries cannot fit a ${cdSize}-byte central directory`);
  const utf8 = textDecoder('utf-8');
  const entries: ZipEntry[] = [];
  let p = cdOffset;
  for (let k = 0; k < count; k++) {
    if (p + 46 > n || view.getUint32(p, true) !== SIG_CENTRAL) throw new FormatError(`zip: central directory entry ${k} is corrupt`);
    const flags = view.getUint16(p + 8, true);
    const method = view.getUint16(p + 10, true);
    let compressedSize = view.getUint32(p + 20, true);
    let size = view.getUint32(p + 24, true);
    const nameLen = view.getUint16(p + 28, true);
    const extraLen = view.getUint16(p + 30, true);
    const commentLen = view.getUint16(p + 32, true);
    let localHeaderOffset = view.getUint32(p + 42, true);
    const end = p + 46 + nameLen + extraLen + commentLen;
    if (end > n) throw new FormatError(`zip: central directory entry ${k} is truncated`);
    const rawName = bytes.subarray(p + 46, p + 46 + nameLen);
    const name = flags & 0x800 ? utf8.decode(rawName) : latin1Decode(rawName);
    // Zip64 extra field: 64-bit values for exactly those fields that hold 0xFFFFFFFF, in order.
    let e = p + 46 + nameLen;
    const extraEnd = e + extraLen;
    while (e + 4 <= extraEnd) {
      const id = view.getUint16(e, true);
      const len = view.getUint16(e + 2, true);
      if (id === 0x0001) {
        let q = e + 4;
        const qEnd = Math.min(e + 4 + len, extraEnd);
        if (size === 0xffffffff && q + 8 <= qEnd) {
          size = u64(view, q);
          q += 8;
        }
        if (compressedSize === 0xffffffff && q + 8 <= qEnd) {
          compressedSize = u64(view, q);
          q += 8;
        }
        if (localHeaderOffset === 0xffffffff && q + 8 <= qEnd) localHeaderOffset = u64(view, q);
      }
      e += 4 + len;
    }
    entries.push({ name, method, compressedSize, size, localHeaderOffset });
    p = end;
  }
  return entries;
}

/** Where an entry's (possibly compressed) data lies in the file, checked to end inside it. */
export function zipEntryData(bytes: Uint8Array, entry: ZipEntry): { start: number; end: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const h = entry.localHeaderOffset;
  if (h + 30 > bytes.length || view.getUint32(h, true) !== SIG_LOCAL) throw new FormatError(`zip: local header of '${entry.name}' is corrupt`);
  const start = h + 30 + view.getUint16(h + 26, true) + view.getUint16(h + 28, true);
  const end = start + entry.compressedSize;
  if (end > bytes.length) throw new FormatError(`zip: data of '${entry.name}' runs past the end of the file (truncated?)`);
  return { start, end };
}

/** The uncompressed bytes of one entry (a view into `bytes` for stored entries). */
export function readZipEntry(bytes: Uint8Array, entry: ZipEntry): Uint8Array {
  const { start, end } = zipEntryData(bytes, entry);
  const comp = bytes.subarray(start, end);
  if (entry.method === 0) {
    if (entry.size !== entry.compressedSize) throw new FormatError(`zip: stored entry '${entry.name}' has mismatched sizes`);
    return comp;
  }
  if (entry.method === 8) {
    if (entry.size > comp.length * MAX_DEFLATE_RATIO + 1024) throw new FormatError(`zip: '${entry.name}' declares an impossible size ${entry.size}`);
    let out: Uint8Array;
    try {
      out = inflateSync(comp, { out: new Uint8Array(entry.size) });
    } catch (e) {
      throw new FormatError(`zip: cannot inflate '${entry.name}': ${e instanceof Error ? e.message : String(e)}`);
    }
    if (out.length !== entry.size) throw new FormatError(`zip: '${entry.name}' inflates to ${out.length} bytes, header says ${entry.size}`);
    return out;
  }
  throw new FormatError(`zip: '${entry.name}' uses unsupported compression method ${entry.method}`);
}
