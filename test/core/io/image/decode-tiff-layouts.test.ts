// decodeImage on TIFFs written by tifffile (and libtiff through Pillow, for LZW and PackBits) in
// every layout we support, compared value by value with what tifffile reads from the same file.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeImage } from '../../../../src/core/io/decode-image.ts';
import { IMG2D, PYTHON, bytesOf, fileBytes, firstDifference, tempDir } from './helpers.ts';
import { execFileSync } from 'node:child_process';

interface Case {
  name: string;
  shape: number[];
  dtype: string;
  axes: string;
  source: string;
  ambiguous: boolean;
}

const dir = tempDir('tiffs');
let cases: Case[] = [];

beforeAll(() => {
  execFileSync(PYTHON, [join(import.meta.dirname, 'make_tiffs.py'), IMG2D, dir]);
  cases = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Case[];
});

describe('decodeImage on tifffile/libtiff-written TIFFs', () => {
  it('generates the expected set of layouts', () => {
    expect(cases.map((c) => c.name)).toContain('imagej_zcyx');
    expect(cases.length).toBe(36);
  });

  // One test per layout keeps failures readable; the list is fixed by make_tiffs.py.
  const names = [
    'u8_strips', 'u16_zlib', 'u32_tiled', 'i16_tiled_zlib', 'f32_nan_strips', 'i8', 'i32_zlib', 'f64',
    'u16_predictor_zlib', 'u16_bigendian', 'f32_bigendian_tiled', 'u16_bigtiff', 'u16_packbits_pillow',
    'i64_labels', 'i64_negative_zlib', 'u64_bigendian', 'bool_tifffile', 'bool_stack_tifffile', 'bool_packbits_pillow',
    'f16', 'f16_bigendian_zlib',
    'z12_shaped', 'z12_tiled_zlib', 'z5_as_channels', 'z7_as_z', 'imagej_zcyx', 'imagej_tcyx', 'ome_zcyx', 'ome_czyx',
    'ome_zyx_zlib', 'rgb_contig', 'rgb_planar', 'rgb_lzw_pillow', 'u8_lzw_pillow', 'u16_lzw_pillow', 'rgb_stack',
  ];
  for (const name of names) {
    it(`${name}: same values, shape, dtype and axes as tifffile`, async () => {
      const c = cases.find((x) => x.name === name);
      expect(c, `case ${name} missing from manifest`).toBeDefined();
      if (!c) return;
      const img = await decodeImage(fileBytes(join(dir, `${name}.tif`)), { nameHint: `${name}.tif` });
      expect(img.format).toBe('tiff');
      expect(img.dtype).toBe(c.dtype);
      expect([...img.data.shape]).toEqual(c.shape);
      expect([img.nZ, img.height, img.width, img.nChannels]).toEqual(c.shape);
      const letters = img.assignment.axes.filter((_, i) => img.assignment.rawShape[i] > 1).sort().join('');
      expect(letters).toBe(c.axes.split('').sort().join(''));
      expect(img.assignment.source).toBe(c.source);
      expect(img.assignment.ambiguous).toBe(c.ambiguous);
      const expected = fileBytes(join(dir, `${name}.bin`));
      expect(firstDifference(bytesOf(img.data), expected)).toBe(-1);
    });
  }

  it('float32 with NaN and -Inf: min/max are the finite extremes', async () => {
    const img = await decodeImage(fileBytes(join(dir, 'f32_nan_strips.tif')));
    const d = img.data.data as Float32Array;
    let min = Infinity;
    let max = -Infinity;
    for (const v of d) {
      if (Number.isFinite(v)) {
        min = Math.min(min, v);
        max = Math.max(max, v);
      }
    }
    expect(Number.isNaN(d[3 * 80 + 5])).toBe(true);
    expect(img.minValue).toBe(min);
    expect(img.maxValue).toBe(max);
    expect(Number.isFinite(img.minValue) && Number.isFinite(img.maxValue)).toBe(true);
  });

  it('an ImageJ TCYX time series is read with T as Z, with a warning', async () => {
    const img = await decodeImage(fileBytes(join(dir, 'imagej_tcyx.tif')));
    expect(img.assignment.description).toBe('Z=3, C=2, 64x80');
    expect(img.warnings.join(' ')).toMatch(/time axis \(T=3\) is read as Z/);
  });

  it('a 5-plane stack is read as 5 channels (Cellpose quirk) and flagged ambiguous', async () => {
    const img = await decodeImage(fileBytes(join(dir, 'z5_as_channels.tif')));
    expect(img.nChannels).toBe(5);
    expect(img.nZ).toBe(1);
    expect(img.warnings.join(' ')).toMatch(/Z rather than channels/);
    const asZ = await decodeImage(fileBytes(join(dir, 'z5_as_channels.tif')), { axes: { zAxis: 0, channelAxis: null } });
    expect([asZ.nZ, asZ.nChannels, asZ.assignment.source]).toEqual([5, 1, 'override']);
  });
  it('a 7-plane stack is read as 7 Z planes (Cellpose 3.1 CLI: a smallest axis > 5 is Z), flagged ambiguous', async () => {
    const img = await decodeImage(fileBytes(join(dir, 'z7_as_z.tif')));
    expect([img.nZ, img.nChannels]).toEqual([7, 1]);
    expect(img.warnings.join(' ')).toMatch(/axes guessed as Z=7, 64x80; these few planes may be channels rather than Z/);
    const asC = await decodeImage(fileBytes(join(dir, 'z7_as_z.tif')), { axes: { channelAxis: 0, zAxis: null } });
    expect([asC.nZ, asC.nChannels, asC.assignment.source]).toEqual([1, 7, 'override']);
  });
  it('a 2-D image ignores a given channel or z axis, as Cellpose does (convert_image moves axes only with more than 2 dims)', async () => {
    const plain = await decodeImage(fileBytes(IMG2D));
    for (const axes of [{ channelAxis: -1 }, { channelAxis: 0 }, { zAxis: 0 }, { zAxis: 1, channelAxis: 0 }]) {
      const img = await decodeImage(fileBytes(IMG2D), { axes });
      expect([img.nZ, img.height, img.width, img.nChannels]).toEqual([1, 512, 512, 1]);
      expect(img.assignment.source).toBe('guess');
      expect(firstDifference(bytesOf(img.data), bytesOf(plain.data))).toBe(-1);
      expect(img.warnings.join(' ')).toMatch(/image is 2-D \(512 x 512\): the (channel|z) axis .* is ignored, as Cellpose ignores these flags for 2-D images/);
    }
  });
});

describe('our fast strip/tile path agrees with geotiff', () => {
  // The fast path replaces geotiff for uncompressed/Deflate/PackBits pages; geotiff stays the
  // reference decoder, so both must give the same bytes on the same page.
  for (const name of ['u8_strips', 'u16_zlib', 'u32_tiled', 'i16_tiled_zlib', 'u16_bigendian', 'f32_bigendian_tiled', 'rgb_planar', 'u16_packbits_pillow']) {
    it(`${name}: identical to geotiff.readRasters`, async () => {
      const { fromArrayBuffer } = await import('geotiff');
      const bytes = fileBytes(join(dir, `${name}.tif`));
      const tiff = await fromArrayBuffer(bytes.slice().buffer);
      const raster = await (await tiff.getImage(0)).readRasters({ interleave: true });
      if (!ArrayBuffer.isView(raster)) throw new Error('geotiff returned no typed array');
      const ours = await decodeImage(bytes);
      const theirs = new Uint8Array(raster.buffer, raster.byteOffset, raster.byteLength);
      expect(firstDifference(bytesOf(ours.data), theirs)).toBe(-1);
    });
  }
});
