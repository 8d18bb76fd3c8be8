// Seeded fuzzing: 10,000 truncated or mutated small TIFFs (stripped/deflate from our writer,
// tiled/deflate and ImageJ from tifffile, LZW from libtiff). Each must decode or throw an Error,
// quickly, and never allocate more than a bounded multiple of its own size.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeImage } from '../../../../src/core/io/decode-image.ts';
import { encodeTiff } from '../../../../src/core/io/tiff-write.ts';
import { IMG2D, PYTHON, fileBytes, tempDir } from './helpers.ts';
import { rng } from '../../../helpers/seeded-random.ts';

const dir = tempDir('fuzz');
const bases: Uint8Array[] = [];

beforeAll(async () => {
  execFileSync(PYTHON, ['-c', `
import sys, numpy as np, tifffile
from PIL import Image
d = sys.argv[1]
a = tifffile.imread(sys.argv[2])[200:224, 300:320]
tifffile.imwrite(d + '/tiled.tif', np.stack([a, a // 2]), tile=(16, 16), compression='zlib')
tifffile.imwrite(d + '/imagej.tif', np.stack([a, a // 2, a // 3, a // 4]).reshape(2, 2, 24, 20), imagej=True, metadata={'axes': 'ZCYX'})
Image.fromarray(a.astype(np.uint8)).save(d + '/lzw.tif', compression='tiff_lzw')
`, dir, IMG2D]);
  const real = await decodeImage(fileBytes(IMG2D));
  const crop = new Uint16Array(24 * 20);
  const src = real.data.data as Uint16Array;
  for (let y = 0; y < 24; y++) crop.set(src.subarray((200 + y) * 512 + 300, (200 + y) * 512 + 320), y * 20);
  const stack = { data: new Uint16Array([...crop, ...crop]), shape: [2, 24, 20], dtype: 'uint16' as const };
  bases.push(encodeTiff(stack), encodeTiff(stack, { compression: 'deflate' }));
  for (const f of ['tiled.tif', 'imagej.tif', 'lzw.tif']) bases.push(fileBytes(join(dir, f)));
});

function mutate(base: Uint8Array, next: () => number): Uint8Array {
  const kind = next();
  if (kind < 0.3) return base.slice(0, Math.floor(next() * base.length)); // truncated
  const b = base.slice();
  const n = 1 + Math.floor(next() * 8);
  for (let k = 0; k < n; k++) {
    // Header and IFDs sit in the first and last bytes of these files; hit them more often.
    const at = next() < 0.6 ? Math.floor(next() * Math.min(b.length, 400)) : Math.floor(next() * b.length);
    if (kind < 0.65) b[at] = Math.floor(next() * 256);
    else if (kind < 0.85 && at + 4 <= b.length) new DataView(b.buffer).setUint32(at, Math.floor(next() * 2 ** 32), next() < 0.5);
    else b[at] ^= 1 << Math.floor(next() * 8);
  }
  return b;
}

describe('fuzzing decodeImage with 10,000 corrupt TIFFs', () => {
  it('every case decodes or throws an Error, within time and memory bounds', async () => {
    expect(bases.length).toBe(5);
    const next = rng(20261125);
    let decoded = 0;
    let failed = 0;
    let slowestMs = 0;
    let largestOutput = 0;
    for (let i = 0; i < 10_000; i++) {
      const base = bases[i % bases.length];
      const input = mutate(base, next);
      const t0 = performance.now();
      try {
        const img = await decodeImage(input);
        decoded++;
        largestOutput = Math.max(largestOutput, img.data.data.byteLength);
      } catch (e) {
        if (!(e instanceof Error)) throw new Error(`case ${i}: threw a non-Error ${String(e)}`);
        failed++;
      }
      slowestMs = Math.max(slowestMs, performance.now() - t0);
    }
    // Both outcomes must occur (else the mutations are not reaching the decoder).
    expect(decoded).toBeGreaterThan(500);
    expect(failed).toBeGreaterThan(500);
    expect(slowestMs).toBeLessThan(2000);
    // Allocation is bounded by the codecs' expansion limit times the (tiny) file size.
    const biggestBase = Math.max(...bases.map((b) => b.length));
    expect(largestOutput).toBeLessThan(biggestBase * 3000);
  });
});
