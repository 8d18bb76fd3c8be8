// readImageFile: real files from disk, and every failure names the file.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readImageFile } from '../../../src/backend/io/read-image.ts';
import { FormatError } from '../../../src/core/errors.ts';
import { IMG2D, tempDir } from '../../core/io/image/helpers.ts';
import { sharedPath } from '../../helpers/shared-data.ts';

const dir = tempDir('read');

async function errorOf(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    if (e instanceof Error) return e;
  }
  throw new Error('expected an error');
}

describe('readImageFile', () => {
  it('reads the real StarDist TIFF', async () => {
    const img = await readImageFile(IMG2D);
    expect([img.format, img.dtype, img.height, img.width, img.maxValue]).toEqual(['tiff', 'uint16', 512, 512, 235]);
  });

  it('passes axis overrides through', async () => {
    const img = await readImageFile(sharedPath('fixtures/cellpose/cli3d/stack3d.tif'), { axes: { zAxis: 1, channelAxis: null } });
    // Z is now the 96-row axis: a nonsense choice, but it must be the one honoured.
    expect([img.nZ, img.height, img.width, img.assignment.source]).toEqual([96, 16, 96, 'override']);
  });

  it('a missing file and a folder are clear errors with the path', async () => {
    const missing = join(dir, 'nope.tif');
    const e1 = await errorOf(readImageFile(missing));
    expect(e1).toBeInstanceOf(FormatError);
    expect(e1.message).toBe(`${missing}: file not found`);
    const sub = join(dir, 'folder.tif');
    mkdirSync(sub);
    expect((await errorOf(readImageFile(sub))).message).toBe(`${sub}: is a folder, not an image file`);
  });

  it('decoder errors carry the file name', async () => {
    const bad = join(dir, 'corrupt.tif');
    writeFileSync(bad, new Uint8Array([0x49, 0x49, 42, 0, 0xff, 0xff, 0, 0, 1, 2, 3]));
    const e = await errorOf(readImageFile(bad));
    expect(e).toBeInstanceOf(FormatError);
    expect(e.message).toMatch(new RegExp(`^${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: TIFF is truncated or corrupt: IFD at byte 65535`));
    const empty = join(dir, 'empty.png');
    writeFileSync(empty, new Uint8Array(0));
    expect((await errorOf(readImageFile(empty))).message).toBe(`${empty}: file is empty`);
  });
});

describe('native zlib inflate (what readImageFile uses for Deflate TIFFs)', () => {
  it('decodes the real image identically to fflate, and turns corrupt streams into Errors', async () => {
    const { decodeImage } = await import('../../../src/core/io/decode-image.ts');
    const { encodeTiff } = await import('../../../src/core/io/tiff-write.ts');
    const { inflateNative } = await import('../../../src/backend/io/read-image.ts');
    const real = await readImageFile(IMG2D);
    // (1, 512, 512, 1) -> one (512, 512) page
    const tiff = encodeTiff({ data: real.data.data as Uint16Array, shape: [512, 512], dtype: 'uint16' }, { compression: 'deflate' });
    const a = await decodeImage(tiff, { inflate: inflateNative });
    const b = await decodeImage(tiff);
    expect(Buffer.compare(Buffer.from(a.data.data.buffer), Buffer.from(b.data.data.buffer))).toBe(0);
    expect(a.maxValue).toBe(235);
    // Corrupt the compressed strips (not the header): each case must decode or throw an Error.
    let seed = 12345;
    const next = (): number => (seed = (seed * 16807) % 2147483647) / 2147483647;
    let errors = 0;
    for (let i = 0; i < 300; i++) {
      const bad = tiff.slice();
      for (let k = 0; k < 3; k++) bad[8 + Math.floor(next() * (bad.length - 400))] = Math.floor(next() * 256);
      try {
        await decodeImage(bad, { inflate: inflateNative });
      } catch (e) {
        expect(e).toBeInstanceOf(Error);
        errors++;
      }
    }
    expect(errors).toBeGreaterThan(100);
  });
});
