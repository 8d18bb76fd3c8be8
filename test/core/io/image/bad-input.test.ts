// Bad input must give a clear error naming the problem, never a crash, a hang or an allocation of
// the size a corrupt header declares.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeImage } from '../../../../src/core/io/decode-image.ts';
import { encodeTiff } from '../../../../src/core/io/tiff-write.ts';
import { FormatError } from '../../../../src/core/errors.ts';
import { DATA, IMG2D, PYTHON, fileBytes, tempDir } from './helpers.ts';

const FLUO_PNG = `${DATA}/dsb2018-stage1-fluorescence/images/00071198d059ba7f5914a526d124d28e6d010c92466da21d4a04cd5413362552.png`;
const dir = tempDir('bad');

beforeAll(() => {
  // Files tifffile/Pillow can write but we must refuse, from a crop of the real image.
  execFileSync(PYTHON, ['-c', `
import sys, numpy as np, tifffile
d = sys.argv[1]
a = tifffile.imread(sys.argv[2])[:32, :48]
tifffile.imwrite(d + '/complex.tif', a.astype(np.complex64))
tifffile.imwrite(d + '/six_d.tif', np.broadcast_to(a, (2, 2, 2, 2, 32, 48)).copy())
tifffile.imwrite(d + '/tzcyx.tif', np.broadcast_to(a, (2, 3, 2, 32, 48)).astype(np.uint16).copy(), imagej=True, metadata={'axes': 'TZCYX'})
`, dir, IMG2D]);
});

async function errorOf(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    if (e instanceof Error) return e;
    throw new Error(`threw a non-Error: ${String(e)}`);
  }
  throw new Error('expected an error, but it decoded');
}

/** A minimal little-endian TIFF header + one IFD, hand-made, for headers no writer produces. */
function handmadeTiff(entries: [tag: number, type: number, value: number][], nextIfd = 0, fileBytesTotal = 0): Uint8Array {
  const n = entries.length;
  const size = Math.max(8 + 2 + n * 12 + 4, fileBytesTotal);
  const b = new Uint8Array(size);
  const v = new DataView(b.buffer);
  b.set([0x49, 0x49, 42, 0]);
  v.setUint32(4, 8, true);
  v.setUint16(8, n, true);
  entries.forEach(([tag, type, value], i) => {
    const at = 10 + i * 12;
    v.setUint16(at, tag, true);
    v.setUint16(at + 2, type, true);
    v.setUint32(at + 4, 1, true);
    if (type === 3) v.setUint16(at + 8, value, true);
    else v.setUint32(at + 8, value, true);
  });
  v.setUint32(10 + n * 12, nextIfd, true);
  return b;
}

describe('decodeImage refuses bad input with a clear FormatError', () => {
  it('empty file', async () => {
    const e = await errorOf(decodeImage(new Uint8Array(0)));
    expect(e).toBeInstanceOf(FormatError);
    expect(e.message).toBe('file is empty');
  });

  it('unknown content', async () => {
    const e = await errorOf(decodeImage(new TextEncoder().encode('hello, not an image'), { nameHint: 'a.tif' }));
    expect(e.message).toMatch(/not a TIFF, PNG or JPEG image \(starts with bytes 68 65 6c 6c\); the file is named \.tif but its contents are not, so it is damaged or mislabelled/);
    const bmp = await errorOf(decodeImage(new TextEncoder().encode('BM not read here'), { nameHint: 'scan.bmp' }));
    expect(bmp.message).toMatch(/starts with bytes 42 4d 20 6e\); \.bmp files are not supported$/);
  });

  it('truncated TIFF (real file cut in the middle of its pixel data)', async () => {
    const full = fileBytes(IMG2D);
    const e = await errorOf(decodeImage(full.subarray(0, 300_000)));
    expect(e).toBeInstanceOf(FormatError);
    expect(e.message).toMatch(/TIFF is truncated: page 0 strip \d+ .* lies beyond the end of the 300000-byte file/);
  });

  it('TIFF cut inside its header', async () => {
    const e = await errorOf(decodeImage(fileBytes(IMG2D).subarray(0, 6)));
    expect(e.message).toMatch(/TIFF is truncated: 6 bytes/);
  });

  it('a PNG named .tif decodes as PNG with a warning', async () => {
    const img = await decodeImage(fileBytes(FLUO_PNG), { nameHint: 'cells.tif' });
    expect(img.format).toBe('png');
    expect(img.warnings).toContain('file is a PNG although named .tif; decoded as PNG');
    expect([img.height, img.width]).toEqual([256, 256]);
  });

  it('complex TIFFs are refused, naming the sample type', async () => {
    expect((await errorOf(decodeImage(fileBytes(join(dir, 'complex.tif'))))).message).toMatch(/64-bit complex samples are not supported/);
  });

  it('a 6-D file and a 5-D ImageJ file with T > 1 are refused unless axes cannot resolve them', async () => {
    const six = await errorOf(decodeImage(fileBytes(join(dir, 'six_d.tif'))));
    expect(six.message).toMatch(/image has 6 non-singleton axes \(shape \[2, 2, 2, 2, 32, 48\]\)/);
    const five = await errorOf(decodeImage(fileBytes(join(dir, 'tzcyx.tif'))));
    expect(five.message).toMatch(/image has 5 non-singleton axes/);
    const still = await errorOf(decodeImage(fileBytes(join(dir, 'six_d.tif')), { axes: { zAxis: 0, channelAxis: 1 } }));
    expect(still.message).toMatch(/6 non-singleton axes/);
  });

  it('a 40000x40000 header with no pixel data is refused before allocating', async () => {
    // uint16, one uncompressed strip that would be 3.2 GB, in a 200-byte file.
    const tiff = handmadeTiff([[256, 4, 40000], [257, 4, 40000], [258, 3, 16], [259, 3, 1], [273, 4, 8], [277, 3, 1], [278, 4, 40000], [279, 4, 3_200_000_000]], 0, 200);
    const e = await errorOf(decodeImage(tiff));
    expect(e.message).toMatch(/TIFF is truncated: page 0 strip 0 \(bytes 8\.\.3200000008\) lies beyond the end of the 200-byte file/);
    // The same with Deflate and a strip that fits: the declared size is impossible for 100 bytes.
    const deflate = handmadeTiff([[256, 4, 40000], [257, 4, 40000], [258, 3, 16], [259, 3, 8], [273, 4, 100], [277, 3, 1], [278, 4, 40000], [279, 4, 100]], 0, 200);
    expect((await errorOf(decodeImage(deflate))).message).toMatch(/declares 40000x40000 pixels \(3200000000 bytes\) but holds only 100 compressed bytes/);
  });

  it('a PNG whose header claims 40000x40000 is refused before decoding', async () => {
    const png = fileBytes(FLUO_PNG).slice();
    const v = new DataView(png.buffer);
    v.setUint32(16, 40000);
    v.setUint32(20, 40000);
    expect((await errorOf(decodeImage(png))).message).toMatch(/PNG is corrupt: it declares 40000x40000 pixels but holds only \d+ compressed bytes/);
  });

  it('the decoded-size cap is configurable', async () => {
    const e = await errorOf(decodeImage(fileBytes(IMG2D), { maxDecodedBytes: 100_000 }));
    expect(e.message).toMatch(/TIFF would decode to 512\.0 KiB, over the 97\.7 KiB limit/);
  });

  it('an IFD chain that loops is an error, not a hang', async () => {
    const page = encodeTiff({ data: new Uint16Array(4 * 4).fill(7), shape: [4, 4], dtype: 'uint16' });
    const v = new DataView(page.buffer);
    const ifd = v.getUint32(4, true);
    const n = v.getUint16(ifd, true);
    v.setUint32(ifd + 2 + n * 12, ifd, true); // next IFD = itself
    expect((await errorOf(decodeImage(page))).message).toMatch(/IFD chain loops back to byte \d+/);
  });

  it('truncated PNG and JPEG', async () => {
    const png = fileBytes(FLUO_PNG);
    expect((await errorOf(decodeImage(png.subarray(0, 2000)))).message).toMatch(/PNG is truncated/);
    expect((await errorOf(decodeImage(new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 16])))).message).toMatch(/JPEG is truncated or corrupt/);
  });
});
