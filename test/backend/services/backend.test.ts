// createBackend() under plain Node: opening images (paths and dropped bytes), the per-file axis
// memory, _seg.npy discovery, settings persistence, and errors that name the file.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { createBackend, type BackendHandle } from '../../../src/backend/services/backend.ts';
import { sharedPath } from '../../helpers/shared-data.ts';

const IMG = sharedPath('data/stardist-dsb2018-sample-2d/img2d.tif');

describe('createBackend', () => {
  let home: string;
  let work: string;
  let backend: BackendHandle;
  beforeEach(() => {
    home = mkdtempSync(path.join(tmpdir(), 'cps-home-'));
    work = mkdtempSync(path.join(tmpdir(), 'cps-work-'));
    backend = createBackend({ homeDir: home });
  });

  it('openImageBytes decodes dropped bytes like openImage decodes the file', async () => {
    const bytes = readFileSync(IMG);
    const fromBytes = await backend.openImageBytes({ name: 'img2d.tif', bytes: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) });
    const fromPath = await backend.openImage({ path: IMG });
    expect(fromBytes.path).toBe('');
    expect(fromBytes.name).toBe('img2d.tif');
    expect(fromBytes.image.shape).toEqual(fromPath.image.shape);
    expect(Buffer.from(fromBytes.image.data).equals(Buffer.from(fromPath.image.data))).toBe(true);
    expect(fromBytes.percentiles).toEqual(fromPath.percentiles);
  });

  it('finds <stem>_seg.npy next to the image, as Cellpose names it', async () => {
    const img = path.join(work, 'cells.v2.tif');
    copyFileSync(IMG, img);
    expect((await backend.openImage({ path: img })).segPath).toBeNull();
    writeFileSync(path.join(work, 'cells.v2_seg.npy'), 'x');
    expect((await backend.openImage({ path: img })).segPath).toBe(path.join(work, 'cells.v2_seg.npy'));
    // Opening remembers the folder, where the web file picker starts next time.
    expect((await backend.getSettings({})).lastFolder).toBe(work);
  });

  it('remembers the axis choice per file and applies it when the file is opened again', async () => {
    // A (5, 20, 30) stack: Cellpose's guess reads the short first axis as 5 channels.
    const stack = path.join(work, 'stack.tif');
    execFileSync('/usr/bin/python3', [
      '-c',
      `import numpy as np, tifffile; a = (np.arange(5*20*30) % 251).astype(np.uint8).reshape(5, 20, 30); tifffile.imwrite(${JSON.stringify(stack)}, a)`,
    ]);
    const guessed = await backend.openImage({ path: stack });
    expect([guessed.nZ, guessed.nChannels]).toEqual([1, 5]);
    const asZ = await backend.openImage({ path: stack, axes: { zAxis: 0, channelAxis: null } });
    expect([asZ.nZ, asZ.nChannels, asZ.assignment.source]).toEqual([5, 1, 'override']);
    // A new backend (a restart) reads the choice back from settings.json.
    const again = await createBackend({ homeDir: home }).openImage({ path: stack });
    expect([again.nZ, again.nChannels]).toEqual([5, 1]);
    const saved = JSON.parse(readFileSync(path.join(home, 'settings.json'), 'utf8')) as { axisOverrides: Record<string, unknown> };
    expect(saved.axisOverrides[stack]).toEqual({ zAxis: 0, channelAxis: null });
  });

  it('gives finite display levels for a float image with NaN and Inf pixels', async () => {
    const f = path.join(work, 'nan.tif');
    execFileSync('/usr/bin/python3', [
      '-c',
      `import numpy as np, tifffile; a = np.full((2, 8, 9), np.nan, np.float32); a[1, :, :] = np.arange(72, dtype=np.float32).reshape(8, 9); a[1, 0, 0] = np.inf; tifffile.imwrite(${JSON.stringify(f)}, a, photometric='minisblack')`,
    ]);
    const img = await backend.openImage({ path: f, axes: { zAxis: null, channelAxis: 0 } });
    expect(img.nChannels).toBe(2);
    // Channel 0 has no finite pixel: the image's finite range. Channel 1: numpy percentiles of 1..71.
    expect(img.percentiles[0]).toEqual([img.minValue, img.maxValue]);
    expect(img.percentiles[1][0]).toBeCloseTo(1 + 0.01 * 70, 10);
    expect(img.percentiles[1][1]).toBeCloseTo(1 + 0.99 * 70, 10);
  });

  it('persists settings atomically and merges patches (null deletes a key)', async () => {
    expect(await backend.getSettings({})).toEqual({});
    await backend.setSettings({ lastFolder: '/data', model: 'cyto3', params: { diameterPx: 30 } });
    const after = await backend.setSettings({ model: 'nuclei', lastFolder: null });
    expect(after).toEqual({ model: 'nuclei', params: { diameterPx: 30 } });
    expect(JSON.parse(readFileSync(path.join(home, 'settings.json'), 'utf8'))).toEqual(after);
    expect(readdirSync(home)).toEqual(['settings.json']); // no temp files left behind
    expect(await createBackend({ homeDir: home }).getSettings({})).toEqual(after);
    await expect(backend.setSettings([] as unknown as Record<string, unknown>)).rejects.toThrow(/must be an object/);
  });

  it('starts from empty settings when settings.json is corrupt, and the next save repairs it', async () => {
    writeFileSync(path.join(home, 'settings.json'), '{"lastFolder": "/da');
    expect(await backend.getSettings({})).toEqual({});
    await backend.setSettings({ lastFolder: '/x' });
    expect(JSON.parse(readFileSync(path.join(home, 'settings.json'), 'utf8'))).toEqual({ lastFolder: '/x' });
  });

  it('names the file in every open error: missing, a folder, truncated, not an image', async () => {
    await expect(backend.openImage({ path: path.join(work, 'missing.tif') })).rejects.toThrow(path.join(work, 'missing.tif'));
    // The path also travels as error data, for the renderer.
    await expect(backend.openImage({ path: path.join(work, 'missing.tif') })).rejects.toMatchObject({ data: { path: path.join(work, 'missing.tif') } });
    await expect(backend.openImage({ path: work })).rejects.toThrow(new RegExp(`${work}.*folder`));
    const truncated = path.join(work, 'truncated.tif');
    writeFileSync(truncated, readFileSync(IMG).subarray(0, 3000));
    await expect(backend.openImage({ path: truncated })).rejects.toThrow(truncated);
    const text = path.join(work, 'notes.png');
    writeFileSync(text, 'hello, not an image');
    await expect(backend.openImage({ path: text })).rejects.toThrow(/notes\.png.*not a TIFF, PNG or JPEG/);
    await expect(backend.openImage({ path: '' } as never)).rejects.toThrow(/"path" must be a non-empty string/);
    await expect(backend.openImage({ path: IMG, axes: { zAxis: -1 } })).rejects.toThrow(/axes\.zAxis/);
  });
});
