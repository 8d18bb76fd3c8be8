// The autosave journal file: a header naming the saved masks it continues from, then one framed
// record per applied edit step. A record is written with a single append and fsync'd; a crash
// can tear only the last record, which the reader detects (length or checksum) and ignores.
//
//   header: "CPSJRNL1" | u32 header length | header JSON (utf-8) | u32 crc32(JSON)
//   record: u32 0x31434552 ("REC1") | u32 payload length | u32 crc32(payload) | payload
//   payload: u8 source (0 edit, 1 undo, 2 redo; +128 when deflated) | EditStep bytes
//            (core/editing/step-codec.ts), raw-deflated when large: a model re-run on a big image
//            changes millions of pixels, and their sorted offsets compress several-fold.
import { constants, crc32, deflateRawSync, inflateRawSync } from 'node:zlib';

export const FILE_MAGIC = Buffer.from('CPSJRNL1', 'latin1');
export const RECORD_MAGIC = 0x31434552;
/** A record larger than this is treated as corruption rather than allocated. */
export const MAX_RECORD_BYTES = 1 << 30;

export type RecordSource = 'edit' | 'undo' | 'redo';
const SOURCES: RecordSource[] = ['edit', 'undo', 'redo'];

export interface JournalHeader {
  version: 1;
  /** The image the edits belong to (absolute path, informational). */
  image: string;
  /** (Z, Y, X) of the label volume. */
  shape: [number, number, number];
  /** Fingerprint of the masks the records apply to (the last saved _seg.npy). */
  baseHash: string;
  baseCount: number;
  createdAt: string;
}

export function encodeHeader(h: JournalHeader): Buffer {
  const json = Buffer.from(JSON.stringify(h), 'utf8');
  const out = Buffer.alloc(8 + 4 + json.length + 4);
  FILE_MAGIC.copy(out, 0);
  out.writeUInt32LE(json.length, 8);
  json.copy(out, 12);
  out.writeUInt32LE(crc32(json), 12 + json.length);
  return out;
}

/** The header and where records start, or a reason the file is not a usable journal. */
export function decodeHeader(buf: Buffer): { header: JournalHeader; end: number } | { error: string } {
  if (buf.length < 16 || !buf.subarray(0, 8).equals(FILE_MAGIC)) return { error: 'not a Cellpose Studio journal (bad magic)' };
  const n = buf.readUInt32LE(8);
  if (n > 1 << 20 || 12 + n + 4 > buf.length) return { error: 'journal header truncated' };
  const json = buf.subarray(12, 12 + n);
  if (crc32(json) !== buf.readUInt32LE(12 + n)) return { error: 'journal header checksum mismatch' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(json.toString('utf8'));
  } catch {
    return { error: 'journal header is not JSON' };
  }
  if (!isHeader(parsed)) return { error: 'journal header has missing or wrong fields' };
  return { header: parsed, end: 12 + n + 4 };
}

function isHeader(v: unknown): v is JournalHeader {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  return (
    o.version === 1 &&
    typeof o.image === 'string' &&
    Array.isArray(o.shape) &&
    o.shape.length === 3 &&
    o.shape.every((d) => Number.isInteger(d) && (d as number) > 0) &&
    typeof o.baseHash === 'string' &&
    typeof o.baseCount === 'number'
  );
}

/** Steps above this size are deflated (fast level) before writing. */
export const DEFLATE_ABOVE_BYTES = 256 * 1024;
const DEFLATED = 128;

export function encodeRecord(source: RecordSource, step: Uint8Array): Buffer {
  const deflate = step.length > DEFLATE_ABOVE_BYTES;
  const body = deflate ? deflateRawSync(step, { level: constants.Z_BEST_SPEED }) : step;
  const payload = Buffer.alloc(1 + body.length);
  payload[0] = SOURCES.indexOf(source) | (deflate ? DEFLATED : 0);
  payload.set(body, 1);
  const out = Buffer.alloc(12 + payload.length);
  out.writeUInt32LE(RECORD_MAGIC, 0);
  out.writeUInt32LE(payload.length, 4);
  out.writeUInt32LE(crc32(payload), 8);
  payload.copy(out, 12);
  return out;
}

export interface RawRecord {
  source: RecordSource;
  step: Uint8Array;
  /** Byte offset just past this record. */
  end: number;
}

/**
 * The complete, checksum-valid records from `start`, in order; stops at the first torn or
 * corrupt one. `validEnd` is where the good part of the file ends.
 */
export function readRecords(buf: Buffer, start: number): { records: RawRecord[]; validEnd: number; problem: string | null } {
  const records: RawRecord[] = [];
  let pos = start;
  while (pos < buf.length) {
    if (pos + 12 > buf.length) return { records, validEnd: pos, problem: `torn record header at byte ${pos}` };
    if (buf.readUInt32LE(pos) !== RECORD_MAGIC) return { records, validEnd: pos, problem: `bad record magic at byte ${pos}` };
    const n = buf.readUInt32LE(pos + 4);
    if (n < 1 || n > MAX_RECORD_BYTES || pos + 12 + n > buf.length) return { records, validEnd: pos, problem: `torn record at byte ${pos}` };
    const payload = buf.subarray(pos + 12, pos + 12 + n);
    if (crc32(payload) !== buf.readUInt32LE(pos + 8)) return { records, validEnd: pos, problem: `record checksum mismatch at byte ${pos}` };
    const src = SOURCES[payload[0] & ~DEFLATED];
    if (!src) return { records, validEnd: pos, problem: `unknown record source at byte ${pos}` };
    let step: Uint8Array = payload.subarray(1);
    if (payload[0] & DEFLATED) {
      try {
        step = inflateRawSync(step, { maxOutputLength: MAX_RECORD_BYTES });
      } catch (e) {
        return { records, validEnd: pos, problem: `record at byte ${pos} does not inflate: ${e instanceof Error ? e.message : String(e)}` };
      }
    }
    pos += 12 + n;
    records.push({ source: src, step, end: pos });
  }
  return { records, validEnd: pos, problem: null };
}

/** A fingerprint of label values (independent of uint16/uint32 storage) and the mask count. */
export function labelsFingerprint(labels: ArrayLike<number>, count: number): string {
  // Values are hashed as uint32 in chunks so a 4096^2 image needs no 64 MB copy.
  const chunk = new Uint32Array(1 << 16);
  let h = 0;
  for (let i = 0; i < labels.length; i += chunk.length) {
    const n = Math.min(chunk.length, labels.length - i);
    for (let k = 0; k < n; k++) chunk[k] = labels[i + k];
    h = crc32(new Uint8Array(chunk.buffer, 0, 4 * n), h);
  }
  return `crc32:${h.toString(16).padStart(8, '0')}:n${labels.length}:c${count}`;
}
