// A JPEG decoder that gives the pixels Cellpose gets. Cellpose reads JPEGs with OpenCV, whose
// decoder is libjpeg-turbo with its defaults: the accurate integer IDCT ("islow", the
// Loeffler-Ligtenberg-Moschytz factorisation in 13-bit fixed point), "fancy" chroma upsampling
// (a triangle filter: 3/4 of the nearer chroma sample, 1/4 of the further one, with alternating
// rounding biases) and its fixed-point YCbCr -> RGB tables. Each of those steps is reproduced here
// in the same integer arithmetic, so the output is the same to the last bit (checked against
// OpenCV and Pillow, which both use libjpeg-turbo, in test/core/io/image/jpeg-decoder.test.ts).
//
// Supported: Huffman-coded baseline, extended (8-bit) and progressive frames, 1 or 3 components,
// any sampling factors, restart intervals, Adobe/JFIF colour transforms. Not supported (a clear
// error): 12-bit samples, arithmetic coding, lossless and hierarchical frames, 4-component (CMYK)
// files. A truncated or corrupt entropy-coded segment is an error, not a partly grey image.
import { FormatError } from '../errors.ts';

/** Natural (row-major) position of the k-th coefficient in zig-zag order. */
const ZIGZAG = Uint8Array.from([
  0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29,
  22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
]);

export interface DecodedJpeg {
  width: number;
  height: number;
  /** 1 (grey) or 3 (RGB). */
  channels: 1 | 3;
  /** Row-major, channels interleaved. */
  data: Uint8Array;
}

interface HuffmanTable {
  /** Fast path: the symbol and code length of every 9-bit prefix (length 0: longer code). */
  fast: Uint16Array;
  maxCode: Int32Array; // per length 1..16, -1 when none
  valOffset: Int32Array; // per length: index of its first value minus its first code
  values: Uint8Array;
}

interface Component {
  id: number;
  h: number;
  v: number;
  tq: number;
  /** Blocks that hold image data (the component's own size). */
  blocksWide: number;
  blocksHigh: number;
  /** Blocks allocated: whole MCUs of an interleaved scan. */
  stride: number;
  rows: number;
  coefs: Int16Array;
  dcTable: HuffmanTable | null;
  acTable: HuffmanTable | null;
  pred: number;
}

const FAST_BITS = 9;

function buildHuffman(counts: Uint8Array, values: Uint8Array): HuffmanTable {
  const fast = new Uint16Array(1 << FAST_BITS);
  const maxCode = new Int32Array(18).fill(-1);
  const valOffset = new Int32Array(18);
  let code = 0;
  let k = 0;
  for (let len = 1; len <= 16; len++) {
    const n = counts[len - 1];
    valOffset[len] = k - code;
    for (let i = 0; i < n; i++) {
      if (len <= FAST_BITS) {
        const shift = FAST_BITS - len;
        for (let j = 0; j < 1 << shift; j++) fast[(code << shift) | j] = (len << 8) | values[k];
      }
      code++;
      k++;
    }
    if (n > 0) maxCode[len] = code - 1;
    if (code > 1 << len) throw new FormatError('JPEG is corrupt: a Huffman table has more codes than its lengths allow');
    code <<= 1;
  }
  maxCode[17] = 0x7fffffff;
  return { fast, maxCode, valOffset, values };
}

/** Bits of the entropy-coded data, byte stuffing removed. At a marker (or the end of the data) it
 *  supplies zero bits, as libjpeg does, and counts them: a block that uses any is corrupt. */
class BitReader {
  private acc = 0;
  private nBits = 0;
  /** How many of the buffered bits are zeros supplied past a marker or the end. */
  private fakeBits = 0;
  private atMarker = false;
  /** Set once a decoded code used supplied zero bits. */
  overrun = false;
  constructor(
    private readonly bytes: Uint8Array,
    /** The next byte to read; at a marker it stays on the marker's 0xFF. */
    public pos: number,
  ) {}

  private fill(): void {
    while (this.nBits <= 24) {
      let byte = 0;
      if (!this.atMarker && this.pos < this.bytes.length) {
        byte = this.bytes[this.pos];
        if (byte === 0xff) {
          if (this.pos + 1 < this.bytes.length && this.bytes[this.pos + 1] === 0) this.pos += 2;
          else {
            this.atMarker = true;
            byte = 0;
          }
        } else this.pos++;
      } else this.atMarker = true;
      if (this.atMarker) this.fakeBits += 8;
      this.acc = ((this.acc << 8) | byte) >>> 0;
      this.nBits += 8;
    }
  }

  private consume(n: number): void {
    this.nBits -= n;
    if (this.nBits < this.fakeBits) this.overrun = true;
  }

  bits(n: number): number {
    if (n === 0) return 0;
    if (this.nBits < n) this.fill();
    const v = (this.acc >>> (this.nBits - n)) & ((1 << n) - 1);
    this.consume(n);
    return v;
  }

  bit(): number {
    return this.bits(1);
  }

  /** Receive and extend (F.2.2.1): an n-bit magnitude category value. */
  receiveExtend(n: number): number {
    if (n === 0) return 0;
    const v = this.bits(n);
    return v < 1 << (n - 1) ? v - (1 << n) + 1 : v;
  }

  decode(t: HuffmanTable): number {
    if (this.nBits < 16) this.fill();
    const f = t.fast[(this.acc >>> (this.nBits - FAST_BITS)) & ((1 << FAST_BITS) - 1)];
    if (f !== 0) {
      this.consume(f >> 8);
      return f & 0xff;
    }
    let len = FAST_BITS + 1;
    let code = (this.acc >>> (this.nBits - len)) & ((1 << len) - 1);
    while (len <= 16 && code > t.maxCode[len]) {
      len++;
      code = (this.acc >>> (this.nBits - len)) & ((1 << len) - 1);
    }
    const idx = t.valOffset[len] + code;
    if (len > 16 || idx < 0 || idx >= t.values.length) throw new FormatError('JPEG is corrupt: an invalid Huffman code in the image data');
    this.consume(len);
    return t.values[idx];
  }

  /** At a restart marker: drop the buffered bits, step over the RSTn marker that must come next. */
  restart(): void {
    const b = this.bytes;
    let p = this.pos;
    while (p + 1 < b.length && !(b[p] === 0xff && b[p + 1] >= 0xd0 && b[p + 1] <= 0xd7)) {
      if (b[p] === 0xff && b[p + 1] !== 0 && b[p + 1] !== 0xff) throw new FormatError('JPEG is corrupt: a restart marker is missing');
      p++;
    }
    if (p + 1 >= b.length) throw new FormatError('JPEG is truncated: the image data ends early');
    this.pos = p + 2;
    this.acc = 0;
    this.nBits = 0;
    this.fakeBits = 0;
    this.atMarker = false;
  }
}

interface Frame {
  progressive: boolean;
  width: number;
  height: number;
  components: Component[];
  hMax: number;
  vMax: number;
  mcusWide: number;
  mcusHigh: number;
}

interface ScanState {
  frame: Frame;
  comps: Component[];
  ss: number;
  se: number;
  ah: number;
  al: number;
  restartInterval: number;
  eobrun: number;
}

function decodeBlockBaseline(r: BitReader, c: Component, out: Int16Array, at: number): void {
  const dcT = c.dcTable as HuffmanTable;
  const acT = c.acTable as HuffmanTable;
  const s = r.decode(dcT);
  c.pred += r.receiveExtend(s);
  out[at] = c.pred;
  for (let k = 1; k < 64; ) {
    const rs = r.decode(acT);
    const run = rs >> 4;
    const size = rs & 15;
    if (size === 0) {
      if (run !== 15) break;
      k += 16;
      continue;
    }
    k += run;
    if (k > 63) throw new FormatError('JPEG is corrupt: a coefficient run goes past the end of a block');
    out[at + ZIGZAG[k]] = r.receiveExtend(size);
    k++;
  }
}

function decodeDcFirst(r: BitReader, c: Component, out: Int16Array, at: number, al: number): void {
  const s = r.decode(c.dcTable as HuffmanTable);
  c.pred += r.receiveExtend(s);
  out[at] = c.pred * (1 << al);
}

function decodeDcRefine(r: BitReader, out: Int16Array, at: number, al: number): void {
  if (r.bit()) out[at] |= 1 << al;
}

function decodeAcFirst(r: BitReader, c: Component, out: Int16Array, at: number, st: ScanState): void {
  if (st.eobrun > 0) {
    st.eobrun--;
    return;
  }
  const acT = c.acTable as HuffmanTable;
  for (let k = st.ss; k <= st.se; ) {
    const rs = r.decode(acT);
    const run = rs >> 4;
    const size = rs & 15;
    if (size === 0) {
      if (run < 15) {
        st.eobrun = (1 << run) - 1;
        if (run > 0) st.eobrun += r.bits(run);
        break;
      }
      k += 16;
      continue;
    }
    k += run;
    if (k > 63) throw new FormatError('JPEG is corrupt: a coefficient run goes past the end of a block');
    out[at + ZIGZAG[k]] = r.receiveExtend(size) * (1 << st.al);
    k++;
  }
}

/** Successive approximation of AC coefficients (G.1.2.3): correction bits for the coefficients
 *  already non-zero, new coefficients of +-1 << al placed after the given number of zero ones. */
function decodeAcRefine(r: BitReader, c: Component, out: Int16Array, at: number, st: ScanState): void {
  const p1 = 1 << st.al;
  const m1 = -1 << st.al;
  let k = st.ss;
  const refine = (pos: number): void => {
    if (r.bit() && (out[pos] & p1) === 0) out[pos] += out[pos] >= 0 ? p1 : m1;
  };
  if (st.eobrun === 0) {
    const acT = c.acTable as HuffmanTable;
    for (; k <= st.se; ) {
      const rs = r.decode(acT);
      let run = rs >> 4;
      const size = rs & 15;
      let value = 0;
      if (size !== 0) {
        if (size !== 1) throw new FormatError('JPEG is corrupt: a refinement coefficient of more than one bit');
        value = r.bit() ? p1 : m1;
      } else if (run !== 15) {
        st.eobrun = 1 << run;
        if (run > 0) st.eobrun += r.bits(run);
        break;
      }
      // skip `run` zero coefficients (refining the non-zero ones passed), then place the new one
      while (k <= st.se) {
        const pos = at + ZIGZAG[k];
        if (out[pos] !== 0) refine(pos);
        else {
          if (run === 0) {
            if (value !== 0) out[pos] = value;
            k++;
            break;
          }
          run--;
        }
        k++;
      }
    }
  }
  if (st.eobrun > 0) {
    // the rest of this block's band: only correction bits
    for (; k <= st.se; k++) {
      const pos = at + ZIGZAG[k];
      if (out[pos] !== 0) refine(pos);
    }
    st.eobrun--;
  }
}

type BlockDecoder = (r: BitReader, c: Component, out: Int16Array, at: number) => void;

function decodeScan(bytes: Uint8Array, pos: number, st: ScanState): number {
  const { frame, comps } = st;
  let decodeBlock: BlockDecoder;
  if (!frame.progressive) decodeBlock = decodeBlockBaseline;
  else if (st.ss === 0) decodeBlock = st.ah === 0 ? (r, c, o, a) => decodeDcFirst(r, c, o, a, st.al) : (r, _c, o, a) => decodeDcRefine(r, o, a, st.al);
  else decodeBlock = st.ah === 0 ? (r, c, o, a) => decodeAcFirst(r, c, o, a, st) : (r, c, o, a) => decodeAcRefine(r, c, o, a, st);
  const r = new BitReader(bytes, pos);
  const single = comps.length === 1;
  // a scan of one component walks its own blocks; an interleaved one walks whole MCUs
  const c0 = comps[0];
  const mcusWide = single ? c0.blocksWide : frame.mcusWide;
  const mcusHigh = single ? c0.blocksHigh : frame.mcusHigh;
  const total = mcusWide * mcusHigh;
  const interval = st.restartInterval > 0 ? st.restartInterval : total;
  for (const c of comps) c.pred = 0;
  st.eobrun = 0;
  for (let mcu = 0; mcu < total; mcu++) {
    if (mcu > 0 && mcu % interval === 0) {
      // restart: the next marker must be RSTn; predictors and the EOB run start again
      r.restart();
      for (const c of comps) c.pred = 0;
      st.eobrun = 0;
    }
    const my = Math.floor(mcu / mcusWide);
    const mx = mcu % mcusWide;
    if (single) decodeBlock(r, c0, c0.coefs, (my * c0.stride + mx) * 64);
    else {
      for (const c of comps) {
        for (let v = 0; v < c.v; v++) {
          for (let h = 0; h < c.h; h++) decodeBlock(r, c, c.coefs, ((my * c.v + v) * c.stride + mx * c.h + h) * 64);
        }
      }
    }
    if (r.overrun) throw new FormatError('JPEG is truncated or corrupt: the image data ends before the last block');
  }
  return r.pos;
}

// ---- the accurate integer IDCT (libjpeg's "islow"): 13-bit constants, 2 extra bits in pass 1 ----
const CONST_BITS = 13;
const PASS1_BITS = 2;
const F_0_298 = 2446;
const F_0_390 = 3196;
const F_0_541 = 4433;
const F_0_765 = 6270;
const F_0_899 = 7373;
const F_1_175 = 9633;
const F_1_501 = 12299;
const F_1_847 = 15137;
const F_1_961 = 16069;
const F_2_053 = 16819;
const F_2_562 = 20995;
const F_3_072 = 25172;

/** Rounding right shift of an integer held in a double (exact below 2^53, as C's 64-bit longs). */
function descale(x: number, n: number): number {
  return Math.floor((x + 2 ** (n - 1)) / 2 ** n);
}

/** The decoder's post-IDCT sample table, indexed by (value & 1023): values within +-512 of the
 *  centre are clamped to 0..255; libjpeg wraps farther ones, and so does this. */
const IDCT_LIMIT = (() => {
  const t = new Uint8Array(1024);
  for (let i = 0; i < 1024; i++) {
    if (i < 128) t[i] = i + 128;
    else if (i < 512) t[i] = 255;
    else if (i < 896) t[i] = 0;
    else t[i] = i - 896;
  }
  return t;
})();

/** The 1-D islow transform of v[0..7] (dequantised), before descaling: r[k] = output k · 2^13. */
function idct1d(v: Float64Array, r: Float64Array): void {
  // even part
  let z1 = (v[2] + v[6]) * F_0_541;
  let tmp2 = z1 - v[6] * F_1_847;
  let tmp3 = z1 + v[2] * F_0_765;
  let tmp0 = (v[0] + v[4]) * 8192;
  let tmp1 = (v[0] - v[4]) * 8192;
  const tmp10 = tmp0 + tmp3;
  const tmp13 = tmp0 - tmp3;
  const tmp11 = tmp1 + tmp2;
  const tmp12 = tmp1 - tmp2;
  // odd part
  tmp0 = v[7];
  tmp1 = v[5];
  tmp2 = v[3];
  tmp3 = v[1];
  z1 = tmp0 + tmp3;
  let z2 = tmp1 + tmp2;
  let z3 = tmp0 + tmp2;
  let z4 = tmp1 + tmp3;
  const z5 = (z3 + z4) * F_1_175;
  tmp0 *= F_0_298;
  tmp1 *= F_2_053;
  tmp2 *= F_3_072;
  tmp3 *= F_1_501;
  z1 *= -F_0_899;
  z2 *= -F_2_562;
  z3 = z3 * -F_1_961 + z5;
  z4 = z4 * -F_0_390 + z5;
  tmp0 += z1 + z3;
  tmp1 += z2 + z4;
  tmp2 += z2 + z3;
  tmp3 += z1 + z4;
  r[0] = tmp10 + tmp3;
  r[7] = tmp10 - tmp3;
  r[1] = tmp11 + tmp2;
  r[6] = tmp11 - tmp2;
  r[2] = tmp12 + tmp1;
  r[5] = tmp12 - tmp1;
  r[3] = tmp13 + tmp0;
  r[4] = tmp13 - tmp0;
}

/** Scratch arrays of idctBlock: the work array (64), one column or row (8) and its transform (8). */
interface IdctScratch {
  ws: Float64Array;
  v: Float64Array;
  r: Float64Array;
}

/** One 8x8 block: dequantise, inverse DCT, write 8 rows of 8 samples at `out[at]`, `stride` apart.
 *  Pass 1 (columns) keeps PASS1_BITS extra bits; a column or row whose AC terms are all zero takes
 *  libjpeg's shortcut, which gives the same values. */
function idctBlock(coef: Int16Array, c0: number, q: Uint16Array, s: IdctScratch, out: Uint8Array, at: number, stride: number): void {
  const { ws, v, r } = s;
  for (let col = 0; col < 8; col++) {
    const i = c0 + col;
    if (coef[i + 8] === 0 && coef[i + 16] === 0 && coef[i + 24] === 0 && coef[i + 32] === 0 && coef[i + 40] === 0 && coef[i + 48] === 0 && coef[i + 56] === 0) {
      const dc = coef[i] * q[col] * 4;
      for (let row = 0; row < 8; row++) ws[row * 8 + col] = dc;
      continue;
    }
    for (let k = 0; k < 8; k++) v[k] = coef[i + 8 * k] * q[col + 8 * k];
    idct1d(v, r);
    for (let k = 0; k < 8; k++) ws[k * 8 + col] = descale(r[k], CONST_BITS - PASS1_BITS);
  }
  const n2 = CONST_BITS + PASS1_BITS + 3;
  for (let row = 0; row < 8; row++) {
    const w = row * 8;
    const o = at + row * stride;
    if (ws[w + 1] === 0 && ws[w + 2] === 0 && ws[w + 3] === 0 && ws[w + 4] === 0 && ws[w + 5] === 0 && ws[w + 6] === 0 && ws[w + 7] === 0) {
      out.fill(IDCT_LIMIT[descale(ws[w], PASS1_BITS + 3) & 1023], o, o + 8);
      continue;
    }
    for (let k = 0; k < 8; k++) v[k] = ws[w + k];
    idct1d(v, r);
    for (let k = 0; k < 8; k++) out[o + k] = IDCT_LIMIT[descale(r[k], n2) & 1023];
  }
}

/** A component's samples at its own (downsampled) size: width x height, row-major. */
interface Plane {
  /** Whole decoded blocks, `stride` samples per row; only width x height of them are the image's. */
  data: Uint8Array;
  stride: number;
  width: number;
  height: number;
}

function componentPlane(c: Component, frame: Frame, quant: Uint16Array): Plane {
  const fullW = c.stride * 8;
  const buf = new Uint8Array(fullW * c.rows * 8);
  const scratch: IdctScratch = { ws: new Float64Array(64), v: new Float64Array(8), r: new Float64Array(8) };
  for (let by = 0; by < c.blocksHigh; by++) {
    for (let bx = 0; bx < c.blocksWide; bx++) idctBlock(c.coefs, (by * c.stride + bx) * 64, quant, scratch, buf, by * 8 * fullW + bx * 8, fullW);
  }
  // libjpeg's downsampled size: ceil(image size * factor / largest factor)
  const width = Math.ceil((frame.width * c.h) / frame.hMax);
  const height = Math.ceil((frame.height * c.v) / frame.vMax);
  return { data: buf, stride: fullW, width, height };
}

/** libjpeg-turbo's upsampling of one component to the full image size (jdsample.c): the triangle
 *  ("fancy") filters for 2x horizontal, 2x2 and 2x vertical, where rows above the first and below
 *  the last repeat them; plain replication for other factors. */
function upsample(p: Plane, hf: number, vf: number, outW: number, outH: number): Uint8Array {
  const out = new Uint8Array(outW * outH);
  const { data, stride, width: w, height: h } = p;
  const put = (y: number, row: Uint8Array): void => {
    if (y < outH) out.set(row.subarray(0, outW), y * outW);
  };
  const wide = new Uint8Array(Math.max(w * hf, outW) + 2);
  if (hf === 1 && vf === 1) {
    for (let y = 0; y < outH; y++) out.set(data.subarray(y * stride, y * stride + outW), y * outW);
    return out;
  }
  if (hf === 2 && vf === 1 && w > 2) {
    for (let y = 0; y < h; y++) {
      fancyRow(data, y * stride, w, wide);
      put(y, wide);
    }
    return out;
  }
  if (hf === 2 && vf === 2 && w > 2) {
    for (let y = 0; y < h; y++) {
      const near = y * stride;
      for (let v = 0; v < 2; v++) {
        const far = (v === 0 ? Math.max(0, y - 1) : Math.min(h - 1, y + 1)) * stride;
        let thisSum = data[near] * 3 + data[far];
        let nextSum = data[near + 1] * 3 + data[far + 1];
        let lastSum: number;
        wide[0] = (thisSum * 4 + 8) >> 4;
        wide[1] = (thisSum * 3 + nextSum + 7) >> 4;
        lastSum = thisSum;
        thisSum = nextSum;
        let o = 2;
        for (let x = 2; x < w; x++) {
          nextSum = data[near + x] * 3 + data[far + x];
          wide[o++] = (thisSum * 3 + lastSum + 8) >> 4;
          wide[o++] = (thisSum * 3 + nextSum + 7) >> 4;
          lastSum = thisSum;
          thisSum = nextSum;
        }
        wide[o++] = (thisSum * 3 + lastSum + 8) >> 4;
        wide[o] = (thisSum * 4 + 7) >> 4;
        put(2 * y + v, wide);
      }
    }
    return out;
  }
  if (hf === 1 && vf === 2) {
    for (let y = 0; y < h; y++) {
      for (let v = 0; v < 2; v++) {
        const far = (v === 0 ? Math.max(0, y - 1) : Math.min(h - 1, y + 1)) * stride;
        const bias = v === 0 ? 1 : 2;
        for (let x = 0; x < w; x++) wide[x] = (data[y * stride + x] * 3 + data[far + x] + bias) >> 2;
        put(2 * y + v, wide);
      }
    }
    return out;
  }
  // replication (also 2x when the component is at most 2 samples wide, as libjpeg-turbo does)
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) wide.fill(data[y * stride + x], x * hf, x * hf + hf);
    for (let v = 0; v < vf; v++) put(y * vf + v, wide);
  }
  return out;
}

/** One row, 2x wider: 3/4 of the nearer sample and 1/4 of the further, biases 1 and 2. */
function fancyRow(data: Uint8Array, at: number, w: number, out: Uint8Array): void {
  let v = data[at];
  out[0] = v;
  out[1] = (v * 3 + data[at + 1] + 2) >> 2;
  let o = 2;
  for (let x = 1; x < w - 1; x++) {
    v = data[at + x] * 3;
    out[o++] = (v + data[at + x - 1] + 1) >> 2;
    out[o++] = (v + data[at + x + 1] + 2) >> 2;
  }
  v = data[at + w - 1];
  out[o++] = (v * 3 + data[at + w - 2] + 1) >> 2;
  out[o] = v;
}

/** libjpeg's YCbCr -> RGB tables (16-bit fixed point, rounding to nearest). */
const YCC = (() => {
  const fix = (x: number): number => Math.floor(x * 65536 + 0.5);
  const crR = new Int32Array(256);
  const cbB = new Int32Array(256);
  const crG = new Int32Array(256);
  const cbG = new Int32Array(256);
  for (let i = 0; i < 256; i++) {
    const x = i - 128;
    crR[i] = (fix(1.402) * x + 32768) >> 16;
    cbB[i] = (fix(1.772) * x + 32768) >> 16;
    crG[i] = -fix(0.71414) * x;
    cbG[i] = -fix(0.34414) * x + 32768;
  }
  return { crR, cbB, crG, cbG };
})();

function clamp255(v: number): number {
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

function readUint16(bytes: Uint8Array, at: number): number {
  if (at + 2 > bytes.length) throw new FormatError('JPEG is truncated: a header ends early');
  return (bytes[at] << 8) | bytes[at + 1];
}

export function decodeJpegPixels(bytes: Uint8Array, maxDecodedBytes: number): DecodedJpeg {
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) throw new FormatError('not a JPEG file');
  const quant: (Uint16Array | null)[] = [null, null, null, null];
  const dcTables: (HuffmanTable | null)[] = [null, null, null, null];
  const acTables: (HuffmanTable | null)[] = [null, null, null, null];
  let frame: Frame | null = null;
  let restartInterval = 0;
  let adobeTransform: number | null = null;
  let jfif = false;
  let scans = 0;
  let pos = 2;
  for (;;) {
    if (pos >= bytes.length) {
      if (frame && scans > 0) break; // no EOI: the data ends after a whole scan
      throw new FormatError('JPEG is truncated: it ends before the image data');
    }
    if (bytes[pos] !== 0xff) throw new FormatError(`JPEG is corrupt: no marker at byte ${pos}`);
    const marker = bytes[pos + 1];
    if (marker === 0xff) {
      pos++;
      continue;
    }
    pos += 2;
    if (marker === 0xd9) break; // EOI
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) continue; // no length
    const len = readUint16(bytes, pos);
    if (len < 2 || pos + len > bytes.length) throw new FormatError(`JPEG is truncated or corrupt: a segment of ${len} bytes at byte ${pos} runs past the end`);
    const seg = bytes.subarray(pos + 2, pos + len);
    if (marker === 0xdb) {
      // DQT: tables of 8- or 16-bit values in zig-zag order
      for (let i = 0; i < seg.length; ) {
        const pq = seg[i] >> 4;
        const tq = seg[i] & 15;
        if (tq > 3) throw new FormatError('JPEG is corrupt: a quantisation table number above 3');
        const size = pq ? 128 : 64;
        if (i + 1 + size > seg.length) throw new FormatError('JPEG is corrupt: a quantisation table is cut short');
        const t = new Uint16Array(64);
        for (let k = 0; k < 64; k++) t[ZIGZAG[k]] = pq ? (seg[i + 1 + 2 * k] << 8) | seg[i + 2 + 2 * k] : seg[i + 1 + k];
        quant[tq] = t;
        i += 1 + size;
      }
    } else if (marker === 0xc4) {
      for (let i = 0; i < seg.length; ) {
        if (i + 17 > seg.length) throw new FormatError('JPEG is corrupt: a Huffman table is cut short');
        const tc = seg[i] >> 4;
        const th = seg[i] & 15;
        if (th > 3 || tc > 1) throw new FormatError('JPEG is corrupt: a Huffman table number out of range');
        const counts = seg.subarray(i + 1, i + 17);
        let n = 0;
        for (const c of counts) n += c;
        if (i + 17 + n > seg.length) throw new FormatError('JPEG is corrupt: a Huffman table is cut short');
        const table = buildHuffman(counts, seg.slice(i + 17, i + 17 + n));
        (tc === 0 ? dcTables : acTables)[th] = table;
        i += 17 + n;
      }
    } else if (marker === 0xdd) {
      restartInterval = readUint16(seg, 0);
    } else if (marker === 0xe0) {
      if (seg.length >= 5 && seg[0] === 0x4a && seg[1] === 0x46 && seg[2] === 0x49 && seg[3] === 0x46 && seg[4] === 0) jfif = true;
    } else if (marker === 0xee) {
      if (seg.length >= 12 && String.fromCharCode(...seg.subarray(0, 5)) === 'Adobe') adobeTransform = seg[11];
    } else if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc8) {
      if (frame) throw new FormatError('JPEG is corrupt: more than one frame header');
      if (marker !== 0xc0 && marker !== 0xc1 && marker !== 0xc2) {
        const kind = marker === 0xc3 ? 'lossless' : marker >= 0xc9 ? 'arithmetic-coded' : 'hierarchical';
        throw new FormatError(`JPEG is ${kind} (SOF${marker - 0xc0}), which is not supported; save it as PNG or TIFF`);
      }
      if (seg.length < 6) throw new FormatError('JPEG is corrupt: the frame header is cut short');
      if (seg[0] !== 8) throw new FormatError(`JPEG has ${seg[0]}-bit samples; only 8-bit JPEGs are supported (save it as TIFF)`);
      const height = (seg[1] << 8) | seg[2];
      const width = (seg[3] << 8) | seg[4];
      const nc = seg[5];
      if (width < 1 || height < 1) throw new FormatError(`JPEG has an invalid size ${width}x${height}`);
      if (nc !== 1 && nc !== 3) throw new FormatError(`JPEG has ${nc} colour components; only grey and 3-component (YCbCr or RGB) JPEGs are supported`);
      if (seg.length < 6 + 3 * nc) throw new FormatError('JPEG is corrupt: the frame header is cut short');
      if (width * height * nc > maxDecodedBytes) throw new FormatError(`JPEG of ${width}x${height} is over the ${maxDecodedBytes}-byte limit`);
      // every 8x8 block costs at least one bit of entropy-coded data, so a JPEG cannot expand much
      // beyond 64 pixels x 3 bytes per bit; a header that declares more is corrupt
      if (width * height * 3 > bytes.length * 2000 + (1 << 20)) throw new FormatError(`JPEG is corrupt: it declares ${width}x${height} pixels but holds only ${bytes.length} bytes`);
      const comps: Component[] = [];
      for (let k = 0; k < nc; k++) {
        const h = seg[7 + 3 * k] >> 4;
        const v = seg[7 + 3 * k] & 15;
        if (h < 1 || h > 4 || v < 1 || v > 4) throw new FormatError('JPEG is corrupt: a sampling factor outside 1..4');
        comps.push({ id: seg[6 + 3 * k], h, v, tq: seg[8 + 3 * k] & 3, blocksWide: 0, blocksHigh: 0, stride: 0, rows: 0, coefs: new Int16Array(0), dcTable: null, acTable: null, pred: 0 });
      }
      const hMax = Math.max(...comps.map((c) => c.h));
      const vMax = Math.max(...comps.map((c) => c.v));
      const mcusWide = Math.ceil(width / (8 * hMax));
      const mcusHigh = Math.ceil(height / (8 * vMax));
      for (const c of comps) {
        c.blocksWide = Math.ceil(Math.ceil((width * c.h) / hMax) / 8);
        c.blocksHigh = Math.ceil(Math.ceil((height * c.v) / vMax) / 8);
        c.stride = mcusWide * c.h;
        c.rows = mcusHigh * c.v;
        c.coefs = new Int16Array(c.stride * c.rows * 64);
      }
      frame = { progressive: marker === 0xc2, width, height, components: comps, hMax, vMax, mcusWide, mcusHigh };
    } else if (marker === 0xda) {
      if (!frame) throw new FormatError('JPEG is corrupt: image data before the frame header');
      const ns = seg[0];
      if (ns < 1 || ns > 4 || seg.length < 4 + 2 * ns) throw new FormatError('JPEG is corrupt: a scan header is cut short');
      const comps: Component[] = [];
      for (let k = 0; k < ns; k++) {
        const c = frame.components.find((x) => x.id === seg[1 + 2 * k]);
        if (!c) throw new FormatError('JPEG is corrupt: a scan names a component the frame lacks');
        c.dcTable = dcTables[seg[2 + 2 * k] >> 4];
        c.acTable = acTables[seg[2 + 2 * k] & 15];
        comps.push(c);
      }
      const ss = seg[1 + 2 * ns];
      const se = seg[2 + 2 * ns];
      const ah = seg[3 + 2 * ns] >> 4;
      const al = seg[3 + 2 * ns] & 15;
      const needDc = !frame.progressive || (ss === 0 && ah === 0);
      const needAc = !frame.progressive || ss > 0;
      for (const c of comps) {
        if ((needDc && !c.dcTable) || (needAc && !c.acTable)) throw new FormatError('JPEG is corrupt: a scan uses a Huffman table that was not defined');
      }
      if (frame.progressive && (se > 63 || ss > se || (ss === 0 && se !== 0) || (ss > 0 && ns !== 1) || al > 13)) throw new FormatError('JPEG is corrupt: an invalid progressive scan');
      pos = decodeScan(bytes, pos + len, { frame, comps, ss, se, ah, al, restartInterval, eobrun: 0 });
      scans++;
      // skip to the next marker that is not a restart marker or stuffing
      while (pos + 1 < bytes.length && !(bytes[pos] === 0xff && bytes[pos + 1] !== 0 && !(bytes[pos + 1] >= 0xd0 && bytes[pos + 1] <= 0xd7))) pos++;
      if (pos + 1 >= bytes.length) pos = bytes.length;
      continue;
    }
    pos += len;
  }
  if (!frame || scans === 0) throw new FormatError('JPEG is truncated or corrupt: no image data');
  const f = frame;
  // libjpeg refuses these too ("fractional sampling not implemented")
  if (f.components.some((c) => f.hMax % c.h !== 0 || f.vMax % c.v !== 0)) throw new FormatError('JPEG uses sampling factors that do not divide the largest one, which is not supported');
  const planes = f.components.map((c) => {
    const q = quant[c.tq];
    if (!q) throw new FormatError('JPEG is corrupt: a component uses a quantisation table that was not defined');
    const p = componentPlane(c, f, q);
    return upsample(p, f.hMax / c.h, f.vMax / c.v, f.width, f.height);
  });
  const n = f.width * f.height;
  if (planes.length === 1) return { width: f.width, height: f.height, channels: 1, data: planes[0] };
  const out = new Uint8Array(n * 3);
  // libjpeg's colour-space guess (jdapimin.c): JFIF or Adobe transform 1 -> YCbCr; Adobe transform 0
  // or component ids 'R', 'G', 'B' -> RGB; otherwise YCbCr
  const ids = f.components.map((c) => c.id);
  const isRgb = !jfif && (adobeTransform === 0 || (adobeTransform === null && ids[0] === 82 && ids[1] === 71 && ids[2] === 66));
  const [p0, p1, p2] = planes;
  if (isRgb) {
    for (let i = 0; i < n; i++) {
      out[i * 3] = p0[i];
      out[i * 3 + 1] = p1[i];
      out[i * 3 + 2] = p2[i];
    }
  } else {
    const { crR, cbB, crG, cbG } = YCC;
    for (let i = 0; i < n; i++) {
      const y = p0[i];
      const cb = p1[i];
      const cr = p2[i];
      out[i * 3] = clamp255(y + crR[cr]);
      out[i * 3 + 1] = clamp255(y + ((cbG[cb] + crG[cr]) >> 16));
      out[i * 3 + 2] = clamp255(y + cbB[cb]);
    }
  }
  return { width: f.width, height: f.height, channels: 3, data: out };
}
