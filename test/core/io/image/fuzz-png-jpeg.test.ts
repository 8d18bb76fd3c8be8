// Seeded fuzzing of the PNG and JPEG paths: 1,000 truncated or mutated copies of real DSB2018
// PNGs (8-bit grey, 16-bit mask, RGB; 64x64 crops) and of a JPEG made from one. Each must decode or throw an
// Error, quickly.
import { describe, expect, it } from 'vitest';
import jpeg from 'jpeg-js';
import type { NdArray } from '../../../../src/core/array/ndarray.ts';
import { decodeImage } from '../../../../src/core/io/decode-image.ts';
import { encodePng16, encodePng8 } from '../../../../src/core/io/png-write.ts';
import { DATA, fileBytes } from './helpers.ts';

const ID = '00071198d059ba7f5914a526d124d28e6d010c92466da21d4a04cd5413362552';
const HISTO = `${DATA}/dsb2018-stage1-brightfield-histology/images/00ae65c1c6631ae6f2be1a449902976e6eb8483bf6b0740d00530220832c6d3e.png`;

describe('fuzzing decodeImage with corrupt PNGs and JPEGs', () => {
  it('1,000 cases: each decodes or throws an Error, quickly', async () => {
    // 64x64 crops of the real images, re-encoded, keep each case small and fast.
    const crop = async (path: string): Promise<NdArray> => {
      const img = await decodeImage(fileBytes(path));
      const c = img.nChannels;
      const src = img.data.data as Uint8Array | Uint16Array;
      const out = src instanceof Uint16Array ? new Uint16Array(64 * 64 * c) : new Uint8Array(64 * 64 * c);
      for (let y = 0; y < 64; y++) out.set(src.subarray((y + 40) * img.width * c + 40 * c, (y + 40) * img.width * c + 104 * c), y * 64 * c);
      return { data: out, shape: c === 1 ? [64, 64] : [64, 64, c], dtype: img.dtype } as NdArray;
    };
    const grey = await crop(`${DATA}/dsb2018-stage1-fluorescence/images/${ID}.png`);
    const mask = await crop(`${DATA}/dsb2018-stage1-fluorescence/masks/${ID}.png`);
    const rgb = await crop(HISTO);
    const rgba = new Uint8Array(64 * 64 * 4);
    for (let p = 0; p < 64 * 64; p++) {
      rgba.set((rgb.data as Uint8Array).subarray(p * 3, p * 3 + 3), p * 4);
      rgba[p * 4 + 3] = 255;
    }
    const bases = [encodePng8(grey), encodePng16(mask), encodePng8(rgb), new Uint8Array(jpeg.encode({ data: rgba, width: 64, height: 64 }, 90).data)];
    let seed = 4242;
    const next = (): number => (seed = (seed * 16807) % 2147483647) / 2147483647;
    let decoded = 0;
    let failed = 0;
    let slowestMs = 0;
    for (let i = 0; i < 1000; i++) {
      const base = bases[i % bases.length];
      let b: Uint8Array;
      if (next() < 0.3) b = base.slice(0, Math.floor(next() * base.length));
      else {
        b = base.slice();
        for (let k = 0; k < 4; k++) b[Math.floor(next() * (next() < 0.5 ? Math.min(300, b.length) : b.length))] = Math.floor(next() * 256);
      }
      const t0 = performance.now();
      try {
        await decodeImage(b);
        decoded++;
      } catch (e) {
        if (!(e instanceof Error)) throw new Error(`case ${i}: threw a non-Error`);
        failed++;
      }
      slowestMs = Math.max(slowestMs, performance.now() - t0);
    }
    expect(decoded).toBeGreaterThan(50);
    expect(failed).toBeGreaterThan(300);
    expect(slowestMs).toBeLessThan(2000);
  });
});
