// decodeImage on a 2048x2048 uint16 TIFF (uncompressed and Deflate), made with encodeTiff from the
// real StarDist image tiled 4x4. Target: <= 150 ms median. Also the LZW and PNG paths for scale.
import { readFileSync } from 'node:fs';
import { inflateNative } from '../src/backend/io/read-image.ts';
import { decodeImage, type DecodeImageOptions } from '../src/core/io/decode-image.ts';
import { encodeTiff } from '../src/core/io/tiff-write.ts';
import { encodePng16 } from '../src/core/io/png-write.ts';
import type { BenchRow } from './types.ts';
import { median } from './util.ts';
import { sharedPath } from '../test/helpers/shared-data.ts';

const IMG2D = sharedPath('data/stardist-dsb2018-sample-2d/img2d.tif');
const SIZE = 2048;

async function timeDecode(bytes: Uint8Array, runs: number, opts: DecodeImageOptions = {}): Promise<number> {
  await decodeImage(bytes, opts); // warm-up (JIT)
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await decodeImage(bytes, opts);
    ms.push(performance.now() - t0);
  }
  return median(ms);
}

export async function run(): Promise<BenchRow[]> {
  const b = readFileSync(IMG2D);
  const src = (await decodeImage(new Uint8Array(b.buffer, b.byteOffset, b.byteLength))).data.data as Uint16Array;
  const big = new Uint16Array(SIZE * SIZE);
  // Real content repeated, scaled to use the 16-bit range like a camera image.
  for (let y = 0; y < SIZE; y++) for (let x = 0; x < SIZE; x++) big[y * SIZE + x] = src[(y % 512) * 512 + (x % 512)] * 250 + ((x * 7 + y * 13) % 97);
  const arr = { data: big, shape: [SIZE, SIZE], dtype: 'uint16' as const };
  const none = encodeTiff(arr);
  const deflate = encodeTiff(arr, { compression: 'deflate' });
  const png = encodePng16(arr);
  const runs = 7;
  const rows: BenchRow[] = [];
  const noneMs = await timeDecode(none, runs);
  rows.push({ group: 'decode', name: 'TIFF 2048x2048 u16 uncompressed', value: noneMs, unit: 'ms', target: '<= 150 ms', ok: noneMs <= 150, note: `median of ${runs}` });
  const nativeMs = await timeDecode(deflate, runs, { inflate: inflateNative });
  rows.push({ group: 'decode', name: 'TIFF 2048x2048 u16 deflate (node zlib, backend)', value: nativeMs, unit: 'ms', target: '<= 150 ms', ok: nativeMs <= 150, note: `median of ${runs}, ${(deflate.length / 2 ** 20).toFixed(1)} MiB file` });
  const deflateMs = await timeDecode(deflate, runs);
  rows.push({ group: 'decode', name: 'TIFF 2048x2048 u16 deflate (fflate, core default)', value: deflateMs, unit: 'ms', target: '<= 150 ms', ok: deflateMs <= 150, note: `median of ${runs}` });
  const pngMs = await timeDecode(png, 3);
  rows.push({ group: 'decode', name: 'PNG 2048x2048 u16', value: pngMs, unit: 'ms', note: 'median of 3 (fast-png)' });
  const t0 = performance.now();
  encodeTiff(arr, { compression: 'deflate' });
  rows.push({ group: 'decode', name: 'encodeTiff 2048x2048 u16 deflate', value: performance.now() - t0, unit: 'ms', note: 'one run' });
  return rows;
}
