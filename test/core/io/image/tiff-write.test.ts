// encodeTiff round trips: tifffile (an independent reader) and geotiff must read back every value,
// and so must our own decodeImage. Data: crops of the real StarDist image.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { DType, NdArray } from '../../../../src/core/array/ndarray.ts';
import { decodeImage } from '../../../../src/core/io/decode-image.ts';
import { encodeTiff, type EncodeTiffOptions } from '../../../../src/core/io/tiff-write.ts';
import { encodePng16, encodePng8 } from '../../../../src/core/io/png-write.ts';
import { IMG2D, PYTHON, bytesOf, fileBytes, firstDifference, tempDir } from './helpers.ts';

const dir = tempDir('write');
let real: Uint16Array; // 512 x 512

beforeAll(async () => {
  real = (await decodeImage(fileBytes(IMG2D))).data.data as Uint16Array;
});

/** A (h, w) crop of the real image converted to `dtype` by `f`. */
function crop(dtype: DType, h: number, w: number, f: (v: number, i: number) => number, y0 = 150, x0 = 170): NdArray {
  const out = new (dtype === 'uint8' ? Uint8Array : dtype === 'uint16' ? Uint16Array : dtype === 'uint32' ? Uint32Array
    : dtype === 'int16' ? Int16Array : dtype === 'int32' ? Int32Array : dtype === 'int8' ? Int8Array
    : dtype === 'float64' ? Float64Array : Float32Array)(h * w);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[y * w + x] = f(real[(y0 + y) * 512 + x0 + x], y * w + x);
  return { data: out, shape: [h, w], dtype } as NdArray;
}

function stack(planes: NdArray[]): NdArray {
  const n = planes[0].data.length;
  const first = planes[0];
  const Ctor = first.data.constructor as new (n: number) => Uint16Array;
  const data = new Ctor(n * planes.length);
  planes.forEach((p, z) => data.set(p.data as Uint16Array, z * n));
  return { data, shape: [planes.length, ...first.shape], dtype: first.dtype } as NdArray;
}

interface Written {
  name: string;
  array: NdArray;
  opts: EncodeTiffOptions;
  /** The raw shape tifffile should report. */
  shape: number[];
}

function cases(): Written[] {
  const rgb: NdArray = (() => {
    const a = crop('uint8', 40, 50, (v) => v);
    const d = new Uint8Array(40 * 50 * 3);
    for (let i = 0; i < 2000; i++) {
      d[i * 3] = (a.data as Uint8Array)[i];
      d[i * 3 + 1] = 255 - (a.data as Uint8Array)[i];
      d[i * 3 + 2] = i % 251;
    }
    return { data: d, shape: [40, 50, 3], dtype: 'uint8' } as NdArray;
  })();
  const out: Written[] = [
    { name: 'u8', array: crop('uint8', 33, 47, (v) => v), opts: {}, shape: [33, 47] },
    { name: 'u16_deflate', array: crop('uint16', 600, 300, (v) => v * 270, 0, 0), opts: { compression: 'deflate' }, shape: [600, 300] },
    { name: 'u32', array: crop('uint32', 31, 29, (v, i) => v * 16_000_000 + i), opts: { compression: 'deflate' }, shape: [31, 29] },
    { name: 'i16', array: crop('int16', 31, 29, (v) => (v - 120) * 100), opts: {}, shape: [31, 29] },
    { name: 'i32', array: crop('int32', 31, 29, (v, i) => (v - 120) * 1_000_000 - i), opts: { compression: 'deflate' }, shape: [31, 29] },
    { name: 'f32', array: crop('float32', 31, 29, (v, i) => (i === 7 ? NaN : v / 3.7 - 10)), opts: { compression: 'deflate' }, shape: [31, 29] },
    { name: 'rgb', array: rgb, opts: { compression: 'deflate' }, shape: [40, 50, 3] },
    { name: 'stack_imagej', array: stack([0, 1, 2, 3, 4].map((z) => crop('uint16', 30, 40, (v) => v, 100 + 5 * z))), opts: { imagej: true, compression: 'deflate' }, shape: [5, 30, 40] },
    { name: 'stack_plain', array: stack([0, 1, 2].map((z) => crop('float32', 20, 24, (v) => v / (z + 1), 100 + 5 * z))), opts: {}, shape: [3, 20, 24] },
  ];
  return out;
}

describe('encodeTiff', () => {
  it('tifffile reads back every value, shape, dtype and compression', () => {
    const all = cases();
    const manifest = all.map((c) => {
      writeFileSync(join(dir, `${c.name}.tif`), encodeTiff(c.array, c.opts));
      writeFileSync(join(dir, `${c.name}.bin`), bytesOf(c.array));
      return { name: c.name, dtype: c.array.dtype, shape: c.shape };
    });
    const out = execFileSync(PYTHON, ['-c', `
import json, sys, numpy as np, tifffile
d, cases = sys.argv[1], json.loads(sys.argv[2])
res = {}
for c in cases:
    with tifffile.TiffFile(f"{d}/{c['name']}.tif") as t:
        a = t.asarray()
        exp = np.fromfile(f"{d}/{c['name']}.bin", dtype=np.dtype(c['dtype']).newbyteorder('<')).reshape(c['shape'])
        res[c['name']] = dict(shape=list(a.shape), dtype=a.dtype.name, same=bool(np.array_equal(a, exp, equal_nan=a.dtype.kind == 'f')),
                              compression=int(t.pages[0].compression), imagej=t.is_imagej, pages=len(t.pages),
                              axes=t.series[0].axes)
print(json.dumps(res))
`, dir, JSON.stringify(manifest)], { encoding: 'utf8' });
    const res = JSON.parse(out) as Record<string, { shape: number[]; dtype: string; same: boolean; compression: number; imagej: boolean; pages: number; axes: string }>;
    for (const c of all) {
      const r = res[c.name];
      expect(r, c.name).toBeDefined();
      expect([c.name, r.shape, r.dtype, r.same]).toEqual([c.name, c.shape, c.array.dtype, true]);
      expect(r.compression).toBe(c.opts.compression === 'deflate' ? 8 : 1);
    }
    expect(res.stack_imagej.imagej).toBe(true);
    expect(res.stack_imagej.axes).toBe('ZYX');
    expect(res.stack_imagej.pages).toBe(5);
    expect(res.u16_deflate.pages).toBe(1);
  });

  it('decodeImage and geotiff read back every value', async () => {
    const { fromArrayBuffer } = await import('geotiff');
    for (const c of cases()) {
      const bytes = encodeTiff(c.array, c.opts);
      // 3 plain planes would be guessed as channels (Cellpose's rule); say they are Z.
      const isStack = c.shape.length === 3 && c.shape[2] !== 3;
      const img = await decodeImage(bytes, isStack ? { axes: { zAxis: 0, channelAxis: null } } : {});
      expect(img.dtype).toBe(c.array.dtype);
      expect(firstDifference(bytesOf(img.data), bytesOf(c.array))).toBe(-1);
      const tiff = await fromArrayBuffer(bytes.slice().buffer);
      const pages = isStack ? c.shape[0] : 1;
      expect(await tiff.getImageCount()).toBe(pages);
      const raster = await (await tiff.getImage(pages - 1)).readRasters({ interleave: true });
      if (!ArrayBuffer.isView(raster)) throw new Error('no raster');
      const all = bytesOf(c.array);
      const last = all.subarray(all.length - raster.byteLength);
      expect(firstDifference(new Uint8Array(raster.buffer, raster.byteOffset, raster.byteLength), last)).toBe(-1);
    }
  });

  it('an ImageJ stack is read back as Z by decodeImage, from its metadata', async () => {
    const c = cases().find((x) => x.name === 'stack_imagej');
    if (!c) throw new Error('case missing');
    const img = await decodeImage(encodeTiff(c.array, c.opts));
    expect(img.assignment.source).toBe('metadata');
    expect(img.assignment.description).toBe('Z=5, 30x40');
  });

  it('refuses what it cannot write', () => {
    expect(() => encodeTiff({ data: new BigInt64Array(4), shape: [2, 2], dtype: 'int64' })).toThrow(/cannot write int64 to TIFF/);
    expect(() => encodeTiff(crop('int16', 4, 4, (v) => v), { imagej: true })).toThrow(/ImageJ TIFFs hold only uint8, uint16, float32; got int16/);
    expect(() => encodeTiff({ data: new Uint8Array(16), shape: [2, 2, 2, 2], dtype: 'uint8' })).toThrow(/cannot write an array of shape \[2, 2, 2, 2\]/);
  });
});

describe('encodePng16 / encodePng8', () => {
  it('a 16-bit label image and an 8-bit image round-trip through Pillow and decodeImage', async () => {
    const labels = crop('uint16', 64, 48, (v) => (v > 60 ? 40000 + v : 0));
    const grey = crop('uint8', 64, 48, (v) => v);
    writeFileSync(join(dir, 'labels.png'), encodePng16(labels));
    writeFileSync(join(dir, 'grey.png'), encodePng8(grey));
    writeFileSync(join(dir, 'labels.bin'), bytesOf(labels));
    writeFileSync(join(dir, 'grey.bin'), bytesOf(grey));
    const out = execFileSync(PYTHON, ['-c', `
import sys, numpy as np
from PIL import Image
d = sys.argv[1]
l = np.array(Image.open(d + '/labels.png')).astype(np.uint16)
g = np.array(Image.open(d + '/grey.png'))
print(Image.open(d + '/labels.png').mode, np.array_equal(l, np.fromfile(d + '/labels.bin', '<u2').reshape(64, 48)),
      Image.open(d + '/grey.png').mode, np.array_equal(g, np.fromfile(d + '/grey.bin', 'u1').reshape(64, 48)))
`, dir], { encoding: 'utf8' });
    // Pillow 9 opens 16-bit grey PNGs as mode 'I' (32-bit) or 'I;16'; the header says 16 bits.
    expect(out.trim()).toMatch(/^I(;16)? True L True$/);
    expect(fileBytes(join(dir, 'labels.png'))[24]).toBe(16);
    const back = await decodeImage(fileBytes(join(dir, 'labels.png')));
    expect(back.dtype).toBe('uint16');
    expect(firstDifference(bytesOf(back.data), bytesOf(labels))).toBe(-1);
    expect(() => encodePng16(grey)).toThrow(/needs uint16 data, got uint8/);
  });
});
