// TIFF LZW (compression 5): MSB-first codes of 9..12 bits with the "early change" of TIFF 6.0.
// Our own decoder because geotiff's grows a plain JS array without bound on corrupt input and
// can abort the whole process (found by the fuzz test). Output is capped at the size the page
// declares, and a code that cannot occur in a valid stream is an error.
import { FormatError } from '../../errors.ts';

const CLEAR = 256;
const EOI = 257;
const FIRST_FREE = 258;
const TABLE = 4096;

/** Decode into at most `outBytes` bytes; returns the filled prefix (shorter if the stream ends). */
export function decodeLzw(src: Uint8Array, outBytes: number): Uint8Array {
  const out = new Uint8Array(outBytes);
  const prefix = new Uint16Array(TABLE);
  const suffix = new Uint8Array(TABLE);
  const first = new Uint8Array(TABLE);
  const length = new Uint16Array(TABLE);
  for (let i = 0; i < 256; i++) {
    suffix[i] = i;
    first[i] = i;
    length[i] = 1;
  }
  let bitBuf = 0;
  let bitCount = 0;
  let bytePos = 0;
  let width = 9;
  let next = FIRST_FREE;
  let old = -1;
  let o = 0;

  const read = (): number => {
    while (bitCount < width) {
      if (bytePos >= src.length) return EOI; // stream ends without EOI: stop, as libtiff does
      bitBuf = ((bitBuf << 8) | src[bytePos++]) & 0xffffff;
      bitCount += 8;
    }
    bitCount -= width;
    return (bitBuf >> bitCount) & ((1 << width) - 1);
  };
  /** Write the string of `code` at o, clipped to the output. */
  const emit = (code: number): void => {
    const len = length[code];
    let c = code;
    for (let k = len - 1; k >= 0; k--) {
      if (o + k < outBytes) out[o + k] = suffix[c];
      c = prefix[c];
    }
    o += len;
  };
  const add = (p: number, ch: number): void => {
    if (next >= TABLE) return;
    prefix[next] = p;
    suffix[next] = ch;
    first[next] = first[p];
    length[next] = length[p] + 1;
    next++;
  };

  while (o < outBytes) {
    const code = read();
    if (code === EOI) break;
    if (code === CLEAR) {
      width = 9;
      next = FIRST_FREE;
      old = -1;
      continue;
    }
    if (old < 0) {
      if (code > 255) throw new FormatError(`LZW data is corrupt: code ${code} right after a clear code`);
      emit(code);
    } else if (code < next) {
      emit(code);
      add(old, first[code]);
    } else if (code === next) {
      add(old, first[old]);
      emit(code);
    } else {
      throw new FormatError(`LZW data is corrupt: code ${code} is not yet defined (next is ${next})`);
    }
    old = code;
    // Early change: widen one code before the table fills the current width.
    if (next + 1 >= 1 << width && width < 12) width++;
  }
  return o >= outBytes ? out : out.subarray(0, o);
}
