// writeFileAtomic: the target is replaced whole, and no temp file is left behind, even on failure.
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../../../src/backend/io/atomic-write.ts';
import { IMG2D, fileBytes, tempDir } from '../../core/io/image/helpers.ts';

describe('writeFileAtomic', () => {
  it('writes a new file and replaces an existing one, leaving no temp file', async () => {
    const dir = tempDir('atomic');
    const target = join(dir, 'img2d_copy.tif');
    const real = fileBytes(IMG2D);
    await writeFileAtomic(target, real);
    expect(Buffer.compare(readFileSync(target), Buffer.from(real))).toBe(0);
    writeFileSync(target, 'old');
    await writeFileAtomic(target, real.subarray(0, 1000));
    expect(readFileSync(target).length).toBe(1000);
    expect(readdirSync(dir)).toEqual(['img2d_copy.tif']);
  });

  it('writes pieces in order (a _seg.npy assembled in parts) and strings as UTF-8', async () => {
    const dir = tempDir('atomic');
    const real = fileBytes(IMG2D);
    const target = join(dir, 'pieces.tif');
    await writeFileAtomic(target, [real.subarray(0, 7), new Uint8Array(0), real.subarray(7, 5000), real.subarray(5000)]);
    expect(Buffer.compare(readFileSync(target), Buffer.from(real))).toBe(0);
    await writeFileAtomic(join(dir, 'note.txt'), 'µm\n');
    expect(readFileSync(join(dir, 'note.txt'), 'utf8')).toBe('µm\n');
    expect(readdirSync(dir).sort()).toEqual(['note.txt', 'pieces.tif']);
  });

  it('fails with the path when the folder does not exist, and leaves nothing', async () => {
    const dir = tempDir('atomic');
    const target = join(dir, 'missing', 'x.tif');
    await expect(writeFileAtomic(target, new Uint8Array(10))).rejects.toThrow(`could not write ${target}`);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('removes its temp file when the rename fails (target is a folder)', async () => {
    const dir = tempDir('atomic');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(dir, 'taken'));
    writeFileSync(join(dir, 'taken', 'inside'), 'x');
    await expect(writeFileAtomic(join(dir, 'taken'), new Uint8Array([1, 2, 3]))).rejects.toThrow(/could not write/);
    expect(readdirSync(dir)).toEqual(['taken']);
  });
});
