// Our own strip/tile decoder for the layouts Cellpose's tifffile writes and most microscopes
// produce: uncompressed, Deflate or PackBits, no predictor. geotiff decodes these too, but copies
// sample by sample through a DataView (~170 ms for a 2048x2048 uint16 page, over our 150 ms
// budget); here whole rows are block-copied. Other layouts (LZW, predictors) go through geotiff.
import { unzlibSync } from 'fflate';
import { FormatError } from '../../errors.ts';
import { unpackBits } from './packbits.ts';
import { COMPRESSION, type TiffPage } from './page.ts';

export function canDecodeFast(p: TiffPage): boolean {
  return (
    p.predictor === 1 &&
    (p.compression === COMPRESSION.none ||
      p.compression === COMPRESSION.deflate ||
      p.compression === COMPRESSION.adobeDeflate ||
      p.compression === COMPRESSION.packbits)
  );
}

function decodeChunk(bytes: Uint8Array, p: TiffPage, chunk: number, expectedBytes: number): Uint8Array {
  const off = p.chunkOffsets[chunk];
  const src = bytes.subarray(off, off + p.chunkByteCounts[chunk]);
  if (p.compression === COMPRESSION.none) return src;
  if (p.compression === COMPRESSION.packbits) return unpackBits(src, expectedBytes);
  let out: Uint8Array;
  try {
    // A fixed output buffer: fflate truncates rather than grows, so memory stays bounded.
    out = unzlibSync(src, { out: new Uint8Array(expectedBytes) });
  } catch (e) {
    throw new FormatError(`Deflate data of page ${p.index} chunk ${chunk} is corrupt (${e instanceof Error ? e.message : String(e)})`);
  }
  return out;
}

/** Decode one page into `dest` (width*height*samples*bytesPerSample bytes, samples interleaved,
 *  host byte order). */
export function decodePageFast(bytes: Uint8Array, p: TiffPage, littleEndian: boolean, dest: Uint8Array): void {
  const bps = p.bitsPerSample / 8;
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
        const expected = p.tiled ? p.chunkHeight * chunkRowBytes : rows * chunkRowBytes;
        const data = decodeChunk(bytes, p, chunk, expected);
        const need = (rows - 1) * chunkRowBytes + cols * sppChunk * bps;
        if (data.length < need) {
          throw new FormatError(`TIFF page ${p.index} ${p.tiled ? 'tile' : 'strip'} ${chunk} decodes to ${data.length} bytes, ${need} needed`);
        }
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
  if (!littleEndian && bps > 1) swapBytes(dest, bps);
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
