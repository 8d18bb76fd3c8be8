// decodeImage on the real files in /work/shared (StarDist TIFFs, DSB2018 PNGs, Cellpose's own
// fixture TIFFs) and on PNG/JPEG variants Pillow makes from them, value by value against tifffile
// and Pillow.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeImage } from '../../../../src/core/io/decode-image.ts';
import type { ImageStack } from '../../../../src/core/io/image-types.ts';
import { DATA, FIXTURES, PYTHON, bytesOf, fileBytes, firstDifference, tempDir } from './helpers.ts';

const FLUO = `${DATA}/dsb2018-stage1-fluorescence`;
const FLUO_ID = '00071198d059ba7f5914a526d124d28e6d010c92466da21d4a04cd5413362552';
const HISTO = `${DATA}/dsb2018-stage1-brightfield-histology/images/00ae65c1c6631ae6f2be1a449902976e6eb8483bf6b0740d00530220832c6d3e.png`;

const inputs: Record<string, string> = {
  img2d: `${DATA}/stardist-dsb2018-sample-2d/img2d.tif`,
  mask2d: `${DATA}/stardist-dsb2018-sample-2d/mask2d.tif`,
  cli3d: `${FIXTURES}/cli3d/stack3d.tif`,
  gui2d: `${FIXTURES}/gui2d/crop2d.tif`,
  fluo: `${FLUO}/images/${FLUO_ID}.png`,
  fluomask: `${FLUO}/masks/${FLUO_ID}.png`,
  histology: HISTO,
};
const dir = tempDir('rasters');
let info: Record<string, { shape: number[]; dtype: string }> = {};

beforeAll(() => {
  const args = Object.entries(inputs).map(([k, v]) => `${k}=${v}`);
  const out = execFileSync(PYTHON, [join(import.meta.dirname, 'make_rasters.py'), dir, ...args], { encoding: 'utf8' });
  info = JSON.parse(out) as typeof info;
});

function expected(name: string): Uint8Array {
  return fileBytes(join(dir, `${name}.bin`));
}

/** The reference shape as (Z, Y, X, C): Pillow/tifffile give (Y, X), (Y, X, 3) or (Z, Y, X). */
function zyxc(shape: number[], isStack: boolean): number[] {
  if (shape.length === 2) return [1, ...shape, 1];
  return isStack ? [...shape, 1] : [1, ...shape];
}

async function decodeFile(path: string): Promise<ImageStack> {
  return decodeImage(fileBytes(path), { nameHint: path });
}

describe('real files: identical to tifffile / Pillow', () => {
  const cases: [string, string, boolean][] = [
    ['img2d', 'uint16 StarDist image', false],
    ['mask2d', 'uint16 StarDist label mask', false],
    ['cli3d', 'Cellpose 3D fixture stack (16 planes)', true],
    ['gui2d', 'Cellpose GUI fixture crop', false],
    ['fluo', '8-bit grey DSB PNG', false],
    ['fluomask', '16-bit DSB mask PNG', false],
    ['histology', 'RGB histology PNG', false],
  ];
  for (const [name, what, isStack] of cases) {
    it(`${name} (${what})`, async () => {
      const img = await decodeFile(inputs[name]);
      const ref = info[name];
      expect(img.dtype).toBe(ref.dtype);
      expect([...img.data.shape]).toEqual(zyxc(ref.shape, isStack));
      expect(firstDifference(bytesOf(img.data), expected(name))).toBe(-1);
      expect(img.warnings).toEqual([]);
    });
  }

  it('img2d.tif: known size, range and axes', async () => {
    const img = await decodeFile(inputs.img2d);
    expect([img.height, img.width, img.nZ, img.nChannels]).toEqual([512, 512, 1, 1]);
    expect([img.minValue, img.maxValue]).toEqual([0, 235]);
    expect(img.assignment.description).toBe('512x512');
  });

  it('stack3d.tif: 16 planes are Z (>= 10), not channels', async () => {
    const img = await decodeFile(inputs.cli3d);
    expect(img.assignment.axes).toEqual(['Z', 'Y', 'X']);
    expect(img.assignment.description).toBe('Z=16, 96x96');
    expect(img.assignment.ambiguous).toBe(false);
  });

  it('the DSB mask PNG holds the number of nuclei listed in the manifest (27)', async () => {
    const img = await decodeFile(inputs.fluomask);
    expect(img.maxValue).toBe(27);
  });
});

describe('PNG/JPEG variants made by Pillow from real images', () => {
  it('palette PNG -> RGB, same colours as Pillow', async () => {
    const img = await decodeFile(join(dir, 'palette.png'));
    expect([...img.data.shape]).toEqual([1, 256, 320, 3]);
    expect(firstDifference(bytesOf(img.data), expected('palette'))).toBe(-1);
  });

  it('RGBA PNG with a varying alpha: alpha dropped (as Cellpose), with a warning', async () => {
    const img = await decodeFile(join(dir, 'rgba.png'));
    expect(img.nChannels).toBe(3);
    expect(firstDifference(bytesOf(img.data), expected('rgba'))).toBe(-1);
    expect(img.warnings.join(' ')).toMatch(/alpha channel is not constant/);
  });

  it('grey+alpha PNG with constant alpha -> one grey channel, no warning', async () => {
    const img = await decodeFile(join(dir, 'grey_alpha.png'));
    expect([...img.data.shape]).toEqual([1, 256, 256, 1]);
    expect(firstDifference(bytesOf(img.data), expected('grey_alpha'))).toBe(-1);
    expect(img.warnings).toEqual([]);
  });

  it('1-bit PNG expands to 0/255 like libpng/OpenCV', async () => {
    const img = await decodeFile(join(dir, 'bilevel.png'));
    expect(img.dtype).toBe('uint8');
    expect(firstDifference(bytesOf(img.data), expected('bilevel'))).toBe(-1);
    expect([img.minValue, img.maxValue]).toEqual([0, 255]);
  });

  it('colour JPEG: the same pixels as libjpeg-turbo (Pillow), chroma upsampling included', async () => {
    const img = await decodeFile(join(dir, 'colour.jpg'));
    expect(img.format).toBe('jpeg');
    expect([...img.data.shape]).toEqual([1, 256, 320, 3]);
    expect(firstDifference(bytesOf(img.data), expected('colour_jpg'))).toBe(-1);
  });

  it('grey JPEG stays one channel, with the same pixels as libjpeg-turbo', async () => {
    const img = await decodeFile(join(dir, 'grey.jpg'));
    expect([...img.data.shape]).toEqual([1, 256, 256, 1]);
    expect(firstDifference(bytesOf(img.data), expected('grey_jpg'))).toBe(-1);
  });

  it('a JPEG encoded by jpeg-js from the real histology image decodes close to its source', async () => {
    const jpeg = (await import('jpeg-js')).default;
    const src = await decodeFile(HISTO);
    const rgba = new Uint8Array(320 * 256 * 4);
    const rgb = src.data.data as Uint8Array;
    for (let p = 0; p < 320 * 256; p++) {
      rgba.set(rgb.subarray(p * 3, p * 3 + 3), p * 4);
      rgba[p * 4 + 3] = 255;
    }
    const encoded = jpeg.encode({ data: rgba, width: 320, height: 256 }, 95).data;
    const img = await decodeImage(new Uint8Array(encoded), { nameHint: 'x.jpeg' });
    let sum = 0;
    const d = img.data.data as Uint8Array;
    for (let i = 0; i < d.length; i++) sum += Math.abs(d[i] - rgb[i]);
    expect(sum / d.length).toBeLessThan(4);
  });
});
