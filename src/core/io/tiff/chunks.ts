// Strip/tile decoding: uncompressed, Deflate, LZW, PackBits, with predictors 1-3, chunky or
// separate planes, either byte order. geotiff decodes these too, but (a) it copies sample by
// sample through a DataView (~170 ms for a 2048x2048 uint16 page, over our 150 ms budget; here
// whole rows are block-copied) and (b) its LZW decoder grows without bound on corrupt data and
// can abort the process, which the fuzz test found. geotiff stays the reference in the tests.
import { unzlibSync } from 'fflate';
import { FormatError } from '../../errors.ts';
import { decodeLzw } from './lzw.ts';
import { unpackBits } from './packbits.ts';
import { BYTES_PER_ELEMENT } from '../../array/ndarray.ts';
import { COMPRESSION, storedRowBytes, type TiffPage } from './page.ts';
import { undoFloatPredictor, undoHorizontalDifferencing } from './predictor.ts';

/** A zlib-stream inflater returning at most `maxBytes` bytes. Hosts may pass a native one (Node's
 *  zlib is ~4x faster than fflate); core's default is fflate. */
export type Inflate = (src: Uint8Array, maxBytes: number) => Uint8Array;

export const inflateWithFflate: Inflate = (src, maxBytes) =>
  // A fixed output buffer: fflate truncates rather than grows, so memory stays bounded.
  unzlibSync(src, { out: new Uint8Array(maxBytes) });

function decompress(src: Uint8Array, p: TiffPage, chunk: number, expectedBytes: number, inflate: Inflate): Uint8Array {
  switch (p.compression) {
    case COMPRESSION.none:
      return src;
    case COMPRESSION.packbits:
      return unpackBits(src, expectedBytes);
    case COMPRESSION.lzw:
      return decodeLzw(src, expectedBytes);
    case COMPRESSION.deflate:
    case COMPRESSION.adobeDeflate:
      try {
        return inflate(src, expectedBytes);
      } catch (e) {
        throw new FormatError(`Deflate data of page ${p.index} chunk ${chunk} is corrupt (${e instanceof Error ? e.message : String(e)})`);
      }
    default:
      throw new FormatError(`TIFF page ${p.index}: compression ${p.compression} is not supported`);
  }
}

/** One chunk, decompressed, in host byte order, predictor undone; 1-bit samples unpacked to one
 *  byte each (0 or 1). */
function decodeChunk(bytes: Uint8Array, p: TiffPage, chunk: number, rows: number, valuesPerRow: number, samples: number, littleEndian: boolean, inflate: Inflate): Uint8Array {
  const bps = p.bitsPerSample / 8;
  const expectedBytes = rows * storedRowBytes(p.bitsPerSample, valuesPerRow);
  const off = p.chunkOffsets[chunk];
  let data = decompress(bytes.subarray(off, off + p.chunkByteCounts[chunk]), p, chunk, expectedBytes, inflate);
  if (data.length < expectedBytes) {
    throw new FormatError(`TIFF page ${p.index} ${p.tiled ? 'tile' : 'strip'} ${chunk} decodes to ${data.length} bytes, ${expectedBytes} needed`);
  }
  if (p.bitsPerSample === 1) return unpackBitRows(data, rows, valuesPerRow);
  if (p.predictor === 3) {
    if (p.sampleFormat !== 3) throw new FormatError(`TIFF page ${p.index} uses the floating-point predictor on integer samples`);
    return undoFloatPredictor(data, rows, valuesPerRow, samples, bps);
  }
  const needsCopy = (bps > 1 && !littleEndian) || p.predictor === 2 || data.byteOffset % bps !== 0;
  if (needsCopy && data.buffer === bytes.buffer) data = data.slice(0, expectedBytes);
  if (bps > 1 && !littleEndian) swapBytes(data.subarray(0, expectedBytes), bps);
  if (p.predictor === 2) {
    if (p.sampleFormat === 3) throw new FormatError(`TIFF page ${p.index} uses horizontal differencing on float samples`);
    if (data.byteOffset % bps !== 0) data = data.slice(0, expectedBytes);
    undoHorizontalDifferencing(data, rows, valuesPerRow, samples, bps);
  }
  return data;
}

/** Decode one page into `dest` (width*height*samples*bytesPerSample bytes, samples interleaved,
 *  host byte order). */
export function decodePage(bytes: Uint8Array, p: TiffPage, littleEndian: boolean, dest: Uint8Array, inflate: Inflate = inflateWithFflate): void {
  const bps = BYTES_PER_ELEMENT[p.dtype]; // decoded bytes per sample (1 for 1-bit samples)
  const spp = p.samplesPerPixel;
  const planes = p.planarConfig === 2 ? spp : 1;
  const sppChunk = p.planarConfig === 2 ? 1 : spp;
  const nAcross = Math.ceil(p.width / p.chunkWidth);
  const nDown = Math.ceil(p.height / p.chunkHeight);
  const chunkRowBytes = p.chunkWidth * sppChunk * bps;
  const destRowBytes = p.width * spp * bps;
  for (let plane = 0; plane < planes; plane++) {
    for (let ty = 0; ty < nDown; ty++) {
      for (let tx = 0; tx < nAcross; tx++) {
        const chunk = plane * nAcross * nDown + ty * nAcross + tx;
        const y0 = ty * p.chunkHeight;
        const x0 = tx * p.chunkWidth;
        const rows = Math.min(p.chunkHeight, p.height - y0);
        const cols = Math.min(p.chunkWidth, p.width - x0);
        // Strips may end early (the last strip holds only the remaining rows); tiles are always full.
        const chunkRows = p.tiled ? p.chunkHeight : rows;
        const data = decodeChunk(bytes, p, chunk, chunkRows, p.chunkWidth * sppChunk, sppChunk, littleEndian, inflate);
        for (let r = 0; r < rows; r++) {
          const srcRow = r * chunkRowBytes;
          const dstRow = (y0 + r) * destRowBytes + x0 * spp * bps;
          if (planes === 1) {
            dest.set(data.subarray(srcRow, srcRow + cols * spp * bps), dstRow);
          } else {
            // Separate planes: scatter each sample into its slot of the interleaved row.
            for (let x = 0; x < cols; x++) {
              const s = srcRow + x * bps;
              const d = dstRow + (x * spp + plane) * bps;
              for (let b = 0; b < bps; b++) dest[d + b] = data[s + b];
            }
          }
        }
      }
    }
  }
}

/** 1-bit rows (most significant bit first, each row padded to a whole byte) -> one byte per value. */
function unpackBitRows(packed: Uint8Array, rows: number, valuesPerRow: number): Uint8Array {
  const out = new Uint8Array(rows * valuesPerRow);
  const rowBytes = Math.ceil(valuesPerRow / 8);
  for (let r = 0; r < rows; r++) {
    const src = r * rowBytes;
    const dst = r * valuesPerRow;
    for (let i = 0; i < valuesPerRow; i++) out[dst + i] = (packed[src + (i >> 3)] >> (7 - (i & 7))) & 1;
  }
  return out;
}

/** In-place byte swap of every `width`-byte word (big-endian file -> little-endian host). */
export function swapBytes(b: Uint8Array, width: number): void {
  for (let i = 0; i + width <= b.length; i += width) {
    for (let lo = i, hi = i + width - 1; lo < hi; lo++, hi--) {
      const t = b[lo];
      b[lo] = b[hi];
      b[hi] = t;
    }
  }
}
