// A compact binary form of an EditStep, for the autosave journal and for sending an edit across a
// process boundary as one ArrayBuffer. Little-endian; every count is checked against the bytes
// left before anything is allocated, so a corrupt or hostile record fails with a clear error.
import { FormatError } from '../errors.ts';
import type { EditStep, IdRemap, MaskMeta, MetaSplice, PixelAtom } from './edit-step.ts';

const MAGIC = 0x31535043; // "CPS1"

// Step names are short ASCII labels ("brush", "delete mask"); other characters become '?'.
function asciiEncode(s: string): Uint8Array {
  return Uint8Array.from(s, (c) => (c.charCodeAt(0) < 128 ? c.charCodeAt(0) : 63));
}

function asciiDecode(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i] & 0x7f);
  return s;
}

class Writer {
  private buf: Uint8Array;
  private view: DataView;
  pos = 0;

  constructor(size: number) {
    this.buf = new Uint8Array(size);
    this.view = new DataView(this.buf.buffer);
  }

  u8(v: number): void {
    this.view.setUint8(this.pos, v);
    this.pos += 1;
  }

  u16(v: number): void {
    this.view.setUint16(this.pos, v, true);
    this.pos += 2;
  }

  u32(v: number): void {
    this.view.setUint32(this.pos, v, true);
    this.pos += 4;
  }

  i32(v: number): void {
    this.view.setInt32(this.pos, v, true);
    this.pos += 4;
  }

  u32s(a: Uint32Array | Int32Array): void {
    for (let i = 0; i < a.length; i++) this.view.setUint32(this.pos + 4 * i, a[i] >>> 0, true);
    this.pos += 4 * a.length;
  }

  bytes(b: Uint8Array): void {
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  result(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }
}

class Reader {
  private view: DataView;
  pos = 0;

  constructor(private readonly buf: Uint8Array) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  private need(n: number, what: string): void {
    if (this.pos + n > this.buf.length) throw new FormatError(`edit step truncated: ${what} needs ${n} bytes at offset ${this.pos}, ${this.buf.length - this.pos} left`);
  }

  u8(what: string): number {
    this.need(1, what);
    return this.view.getUint8(this.pos++);
  }

  u16(what: string): number {
    this.need(2, what);
    const v = this.view.getUint16(this.pos, true);
    this.pos += 2;
    return v;
  }

  u32(what: string): number {
    this.need(4, what);
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }

  i32(what: string): number {
    this.need(4, what);
    const v = this.view.getInt32(this.pos, true);
    this.pos += 4;
    return v;
  }

  /** A count of items of `itemBytes` each, refused if the bytes left cannot hold them. */
  count(itemBytes: number, what: string): number {
    const n = this.u32(what);
    if (n * itemBytes > this.buf.length - this.pos) throw new FormatError(`edit step corrupt: ${what} of ${n} does not fit in the ${this.buf.length - this.pos} bytes left`);
    return n;
  }

  u32s(n: number, what: string): Uint32Array {
    this.need(4 * n, what);
    const out = new Uint32Array(n);
    for (let i = 0; i < n; i++) out[i] = this.view.getUint32(this.pos + 4 * i, true);
    this.pos += 4 * n;
    return out;
  }

  bytes(n: number, what: string): Uint8Array {
    this.need(n, what);
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }

  get left(): number {
    return this.buf.length - this.pos;
  }
}

function rowBytes(r: MaskMeta): number {
  return 9 + (r.zdraw ? 4 * r.zdraw.length : 0);
}

function encodedSize(s: EditStep, name: Uint8Array): number {
  let n = 4 + 2 + name.length + 1;
  for (const r of [s.remapBefore, s.remapAfter]) if (r) n += 5 + 4 * r.ids.length;
  n += 4;
  for (const a of s.atoms) n += 25 + 4 + 8 * a.offsets.length + (typeof a.after === 'number' ? 0 : 4 * a.after.length);
  n += 4;
  for (const m of s.meta) {
    n += 12;
    for (const r of m.removed) n += rowBytes(r);
    for (const r of m.inserted) n += rowBytes(r);
  }
  return n;
}

export function encodeStep(s: EditStep): Uint8Array {
  const name = asciiEncode(s.name.slice(0, 200));
  const w = new Writer(encodedSize(s, name));
  w.u32(MAGIC);
  w.u16(name.length);
  w.bytes(name);
  w.u8((s.remapBefore ? 1 : 0) | (s.remapAfter ? 2 : 0));
  for (const r of [s.remapBefore, s.remapAfter]) {
    if (!r) continue;
    w.u8(r.kind === 'remove' ? 0 : 1);
    w.u32(r.ids.length);
    w.u32s(r.ids);
  }
  w.u32(s.atoms.length);
  for (const a of s.atoms) {
    w.u32(a.z);
    w.u32(a.y0);
    w.u32(a.y1);
    w.u32(a.x0);
    w.u32(a.x1);
    w.u32(a.offsets.length);
    const uniform = typeof a.after === 'number';
    w.u8(uniform ? 0 : 1);
    if (typeof a.after === 'number') w.u32(a.after);
    else w.u32(0);
    w.u32s(a.offsets);
    w.u32s(a.before);
    if (typeof a.after !== 'number') w.u32s(a.after);
  }
  w.u32(s.meta.length);
  const rows = (list: readonly MaskMeta[]): void => {
    w.u32(list.length);
    for (const r of list) {
      w.u8(r.ismanual ? 1 : 0);
      w.u32(r.colorIndex);
      w.i32(r.zdraw ? r.zdraw.length : -1);
      if (r.zdraw) w.u32s(r.zdraw);
    }
  };
  for (const m of s.meta) {
    w.u32(m.at);
    rows(m.removed);
    rows(m.inserted);
  }
  return w.result();
}

export function decodeStep(bytes: Uint8Array): EditStep {
  const r = new Reader(bytes);
  if (r.u32('magic') !== MAGIC) throw new FormatError('not an edit step (bad magic)');
  const name = asciiDecode(r.bytes(r.u16('name length'), 'name'));
  const flags = r.u8('flags');
  if (flags > 3) throw new FormatError(`edit step corrupt: flags ${flags}`);
  const remap = (): IdRemap => {
    const kind = r.u8('remap kind');
    if (kind > 1) throw new FormatError(`edit step corrupt: remap kind ${kind}`);
    const n = r.count(4, 'remap ids');
    return { kind: kind === 0 ? 'remove' : 'insert', ids: r.u32s(n, 'remap ids') };
  };
  const remapBefore = flags & 1 ? remap() : null;
  const remapAfter = flags & 2 ? remap() : null;
  const atoms: PixelAtom[] = [];
  const nAtoms = r.count(29, 'atoms');
  for (let k = 0; k < nAtoms; k++) {
    const z = r.u32('z');
    const y0 = r.u32('y0');
    const y1 = r.u32('y1');
    const x0 = r.u32('x0');
    const x1 = r.u32('x1');
    const n = r.count(8, 'atom pixels');
    const kind = r.u8('atom kind');
    if (kind > 1) throw new FormatError(`edit step corrupt: atom kind ${kind}`);
    const value = r.u32('atom value');
    const offsets = r.u32s(n, 'offsets');
    const before = r.u32s(n, 'old values');
    const after = kind === 0 ? value : r.u32s(n, 'new values');
    atoms.push({ z, y0, y1, x0, x1, offsets, before, after });
  }
  const meta: MetaSplice[] = [];
  const rows = (): MaskMeta[] => {
    const n = r.count(9, 'metadata rows');
    const out: MaskMeta[] = [];
    for (let i = 0; i < n; i++) {
      const ismanual = r.u8('ismanual') === 1;
      const colorIndex = r.u32('colour');
      const zlen = r.i32('zdraw length');
      if (zlen < -1 || 4 * zlen > r.left) throw new FormatError(`edit step corrupt: zdraw length ${zlen}`);
      const zdraw = zlen < 0 ? null : Int32Array.from(r.u32s(zlen, 'zdraw'));
      out.push({ ismanual, zdraw, colorIndex });
    }
    return out;
  };
  const nSplices = r.count(12, 'metadata splices');
  for (let k = 0; k < nSplices; k++) {
    const at = r.u32('row');
    const removed = rows();
    const inserted = rows();
    meta.push({ at, removed, inserted });
  }
  if (r.left !== 0) throw new FormatError(`edit step corrupt: ${r.left} trailing bytes`);
  return { name, remapBefore, atoms, remapAfter, meta };
}
