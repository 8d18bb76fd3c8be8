import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { npyItem, readNpy } from '../../../../src/core/io/npy.ts';
import { readSeg } from '../../../../src/core/seg/parse-seg.ts';
import { canon } from './canon.ts';

const FIX = new URL('../../../fixtures/pickle/', import.meta.url).pathname;

describe('committed np.save files from numpy 2.4.6 and numpy 1.24', () => {
  for (const [name, proto, module] of [
    ['numpy2-seg', 4, 'numpy._core.multiarray'],
    ['numpy1-seg', 3, 'numpy.core.multiarray'],
  ] as const) {
    const bytes = new Uint8Array(readFileSync(`${FIX}${name}.npy`));
    const expected = JSON.parse(readFileSync(`${FIX}${name}.json`, 'utf8')) as { numpy: string; canon: unknown };

    it(`${name}.npy (numpy ${expected.numpy}, protocol ${proto}, ${module}): every value as numpy saw it`, () => {
      expect(bytes[128]).toBe(0x80);
      expect(bytes[129]).toBe(proto);
      expect(Buffer.from(bytes).includes(module)).toBe(true);
      expect(canon(npyItem(readNpy(bytes)))).toEqual(expected.canon);
    });

    it(`${name}.npy as a SegFile: GUI 3.x layout with pathlib filename, numpy scalars, restore`, () => {
      const seg = readSeg(bytes);
      expect(seg.layout).toBe('gui3');
      expect(seg.nMasks).toBe(2);
      expect(seg.filename).toBe('/data/run 1/img.tif');
      expect(seg.diameter).toBe(23.5);
      expect(seg.zdraw).toEqual([-1, null]);
      expect(seg.restore).toBe('denoise_cyto3');
      expect(seg.imgRestore?.shape).toEqual([1, 8, 10, 3]);
      expect(Array.from(seg.ismanual)).toEqual([0, 1]);
      expect(seg.flows.dP?.shape).toEqual([2, 8, 10]);
      expect(seg.manualChanges.length).toBe(1);
      expect(seg.notes).toEqual([]);
    });
  }
});
