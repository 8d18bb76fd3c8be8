// Horizontal differencing (TIFF predictor 2) undone on 64-bit integer samples: no writer we can
// run here (tifffile, libtiff via Pillow) emits it, so the differences are made by hand, with the
// wrap modulo 2^64 that a writer's subtraction gives.
import { describe, expect, it } from 'vitest';
import { undoHorizontalDifferencing } from '../../../../src/core/io/tiff/predictor.ts';

describe('undoHorizontalDifferencing on 64-bit samples', () => {
  it('restores int64 rows of two samples per pixel, through negative values and the wrap', () => {
    const rows = 3;
    const samples = 2;
    const valuesPerRow = 5 * samples;
    const original = new BigInt64Array(rows * valuesPerRow);
    for (let i = 0; i < original.length; i++) original[i] = BigInt((i % 7) - 3) * 123_456_789_012n * BigInt(i % 2 ? 1 : -1);
    original[4] = 9_223_372_036_854_775_807n; // int64 max: the next difference wraps
    original[6] = -9_223_372_036_854_775_808n;
    const coded = new BigUint64Array(original.length);
    const asUnsigned = new BigUint64Array(original.buffer);
    for (let r = 0; r < rows; r++) {
      for (let i = 0; i < valuesPerRow; i++) {
        const k = r * valuesPerRow + i;
        coded[k] = i < samples ? asUnsigned[k] : asUnsigned[k] - asUnsigned[k - samples];
      }
    }
    const bytes = new Uint8Array(coded.buffer.slice(0));
    undoHorizontalDifferencing(bytes, rows, valuesPerRow, samples, 8);
    expect(Array.from(new BigInt64Array(bytes.buffer))).toEqual(Array.from(original));
  });
});
