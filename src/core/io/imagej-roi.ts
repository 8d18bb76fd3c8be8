// ImageJ binary ROIs (GUI_AND_FORMATS.md B.8) and the `_rois.zip` archive Cellpose writes with
// roifile: one FREEHAND ROI per mask, integer coordinates, options OVERLAY_BACKGROUNDS |
// OVERLAY_LABELS, big-endian, a 64-byte header, int16 coordinates relative to the bounds, a
// 64-byte header2 and the name in UTF-16BE. The field layout follows ImageJ's RoiDecoder and
// the values roifile's ImagejRoi.frompoints(...).tobytes() produces (version set to 228 here).
import { zipSync } from 'fflate';
import { FormatError } from '../errors.ts';
import { readZipEntries, readZipEntry } from './zip-read.ts';

export const ROI_TYPE_POLYGON = 0;
export const ROI_TYPE_FREEHAND = 7;
const OPTION_OVERLAY_LABELS = 8;
const OPTION_OVERLAY_BACKGROUNDS = 32;
const ROI_VERSION = 228;
const HEADER_SIZE = 64;
const HEADER2_SIZE = 64;

export interface ImagejRoi {
  name: string;
  type: number;
  left: number;
  top: number;
  /** Exclusive: max x + 1. */
  right: number;
  /** Exclusive: max y + 1. */
  bottom: number;
  /** Absolute flat x, y pairs. */
  points: Int32Array;
}

/** Encode one polygon (flat absolute x, y pairs) as a .roi file. */
export function encodeImagejRoi(points: Int32Array, name: string, type = ROI_TYPE_FREEHAND): Uint8Array {
  const n = points.length / 2;
  if (!Number.isInteger(n) || n < 1) throw new FormatError('an ImageJ ROI needs at least one x, y point');
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (let i = 0; i < n; i++) {
    const x = points[2 * i];
    const y = points[2 * i + 1];
    if (x < minX) minX = x;
    if (x > maxX) maxX = x;
    if (y < minY) minY = y;
    if (y > maxY) maxY = y;
  }
  // Bounds and relative coordinates are int16 in the format.
  if (minX < -32768 || minY < -32768 || maxX + 1 > 32767 || maxY + 1 > 32767 || maxX - minX > 32767 || maxY - minY > 32767) {
    throw new FormatError('polygon does not fit ImageJ ROI int16 coordinates');
  }
  const coordBytes = 4 * n;
  const header2 = HEADER_SIZE + coordBytes;
  const out = new Uint8Array(header2 + HEADER2_SIZE + 2 * name.length);
  const v = new DataView(out.buffer);
  out.set([0x49, 0x6f, 0x75, 0x74], 0); // 'Iout'
  v.setInt16(4, ROI_VERSION);
  v.setUint8(6, type);
  v.setInt16(8, minY);
  v.setInt16(10, minX);
  v.setInt16(12, maxY + 1);
  v.setInt16(14, maxX + 1);
  if (n < 65536) v.setUint16(16, n);
  else v.setInt32(18, n); // ImageJ's large-polygon convention: count 0 at 16, int32 at 18
  v.setInt16(50, OPTION_OVERLAY_BACKGROUNDS | OPTION_OVERLAY_LABELS);
  v.setInt32(60, header2);
  for (let i = 0; i < n; i++) {
    v.setInt16(HEADER_SIZE + 2 * i, points[2 * i] - minX);
    v.setInt16(HEADER_SIZE + 2 * n + 2 * i, points[2 * i + 1] - minY);
  }
  // header2: name offset and length (UTF-16 code units); every other field 0.
  v.setInt32(header2 + 16, name.length > 0 ? header2 + HEADER2_SIZE : 0);
  v.setInt32(header2 + 20, name.length);
  for (let i = 0; i < name.length; i++) v.setUint16(header2 + HEADER2_SIZE + 2 * i, name.charCodeAt(i));
  return out;
}

/** Decode a polygon-type .roi (integer coordinates); other ROI kinds are refused. */
export function decodeImagejRoi(bytes: Uint8Array): ImagejRoi {
  if (bytes.length < HEADER_SIZE || bytes[0] !== 0x49 || bytes[1] !== 0x6f || bytes[2] !== 0x75 || bytes[3] !== 0x74) {
    throw new FormatError("not an ImageJ ROI (no 'Iout' magic)");
  }
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const type = v.getUint8(6);
  if (type !== ROI_TYPE_POLYGON && type !== ROI_TYPE_FREEHAND && type !== 3 && type !== 4) {
    throw new FormatError(`ImageJ ROI type ${type} is not a polygon`);
  }
  const top = v.getInt16(8);
  const left = v.getInt16(10);
  const bottom = v.getInt16(12);
  const right = v.getInt16(14);
  let n = v.getUint16(16);
  if (n === 0) n = v.getInt32(18);
  if ((v.getInt16(50) & 128) !== 0) throw new FormatError('sub-pixel ImageJ ROIs are not supported');
  if (n < 0 || HEADER_SIZE + 4 * n > bytes.length) throw new FormatError(`ImageJ ROI declares ${n} points but is ${bytes.length} bytes long`);
  const points = new Int32Array(2 * n);
  for (let i = 0; i < n; i++) {
    points[2 * i] = v.getInt16(HEADER_SIZE + 2 * i) + left;
    points[2 * i + 1] = v.getInt16(HEADER_SIZE + 2 * n + 2 * i) + top;
  }
  let name = '';
  const h2 = v.getInt32(60);
  if (h2 > 0 && h2 + HEADER2_SIZE <= bytes.length) {
    const off = v.getInt32(h2 + 16);
    const len = v.getInt32(h2 + 20);
    if (off > 0 && len > 0 && off + 2 * len <= bytes.length) {
      for (let i = 0; i < len; i++) name += String.fromCharCode(v.getUint16(off + 2 * i));
    }
  }
  return { name, type, left, top, right, bottom, points };
}

/**
 * The `_rois.zip` of Cellpose 4: one `<id>.roi` per mask with a non-empty contour, named by mask
 * id (polygons[k] belongs to mask `ids[k]`, default k + 1). Entries are stored, as Python's
 * zipfile writes them by default.
 */
export function encodeRoisZip(polygons: readonly Int32Array[], ids?: readonly number[]): Uint8Array {
  const files: Record<string, Uint8Array> = {};
  polygons.forEach((p, k) => {
    if (p.length === 0) return;
    const name = String(ids ? ids[k] : k + 1);
    files[`${name}.roi`] = encodeImagejRoi(p, name);
  });
  return zipSync(files, { level: 0 });
}

/** Read every .roi of a ROI zip, in archive order. */
export function decodeRoisZip(bytes: Uint8Array): ImagejRoi[] {
  return readZipEntries(bytes)
    .filter((e) => e.name.toLowerCase().endsWith('.roi'))
    .map((e) => decodeImagejRoi(readZipEntry(bytes, e)));
}
