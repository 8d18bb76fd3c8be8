// resizeBilinear / resizeNearest against what OpenCV's cv2.resize itself returned for the same
// inputs (test/fixtures/opencv-resize, written by OpenCV 4.6): equal bit for bit.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resizeBilinear, resizeNearest } from '../../../src/core/transforms/resize.ts';

const DIR = join(import.meta.dirname, '..', '..', 'fixtures', 'opencv-resize');
interface Case {
  name: string;
  src: 'x' | 'x3' | 'labels';
  kind: 'linear' | 'nearest';
  out: [number, number];
  nchan: number;
}
const manifest = JSON.parse(readFileSync(join(DIR, 'cases.json'), 'utf8')) as { opencv: string; shape: [number, number]; cases: Case[] };
const bytes = (name: string): ArrayBuffer => {
  const b = readFileSync(join(DIR, `${name}.bin`));
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
};

describe(`resize vs cv2.resize (OpenCV ${manifest.opencv})`, () => {
  const [ly, lx] = manifest.shape;
  it('covers shrinking, enlarging, odd sizes, 3 channels and labels', () => {
    expect(manifest.cases.length).toBe(12);
  });
  for (const c of manifest.cases) {
    it(`${c.name}: identical to OpenCV`, () => {
      const [oy, ox] = c.out;
      if (c.kind === 'linear') {
        const src = new Float32Array(bytes(c.src));
        const got = resizeBilinear(src, [ly, lx, c.nchan], oy, ox);
        const want = new Float32Array(bytes(c.name));
        expect(got.length).toBe(want.length);
        let differing = 0;
        for (let i = 0; i < got.length; i++) if (got[i] !== want[i]) differing++;
        expect(differing).toBe(0);
      } else {
        const got = resizeNearest(new Uint16Array(bytes(c.src)), [ly, lx], oy, ox);
        expect(Array.from(got)).toEqual(Array.from(new Uint16Array(bytes(c.name))));
      }
    });
  }
});
