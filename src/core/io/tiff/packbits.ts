// PackBits (TIFF compression 32773), Apple's byte-oriented run-length code. The output is bounded
// by the size the page declares, so a corrupt run cannot grow memory.
import { FormatError } from '../../errors.ts';

/** Decode into exactly `outBytes` bytes; a stream that ends early is an error. */
export function unpackBits(src: Uint8Array, outBytes: number): Uint8Array {
  const out = new Uint8Array(outBytes);
  let i = 0;
  let o = 0;
  while (o < outBytes && i < src.length) {
    const n = src[i++];
    if (n < 128) {
      // n+1 literal bytes follow.
      const len = Math.min(n + 1, outBytes - o, src.length - i);
      out.set(src.subarray(i, i + len), o);
      i += n + 1;
      o += len;
    } else if (n > 128) {
      // One byte repeated 257-n times. (128 is a no-op by the spec.)
      if (i >= src.length) break;
      const len = Math.min(257 - n, outBytes - o);
      out.fill(src[i++], o, o + len);
      o += len;
    }
  }
  if (o < outBytes) throw new FormatError(`PackBits data ends after ${o} of ${outBytes} bytes`);
  return out;
}
