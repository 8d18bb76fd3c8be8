// assignAxes: Cellpose 3.x axis conventions (GUI_AND_FORMATS B.11), metadata, overrides.
import { describe, expect, it } from 'vitest';
import { assignAxes, reorderToZYXC } from '../../../../src/core/io/axes.ts';
import type { NdArray } from '../../../../src/core/array/ndarray.ts';

const letters = (shape: number[], ...rest: Parameters<typeof assignAxes> extends [unknown, ...infer R] ? R : never): string =>
  assignAxes(shape, ...rest).axes.join('');

describe('assignAxes guesses like Cellpose 3.x', () => {
  it('2-D is YX', () => {
    expect(letters([512, 512])).toBe('YX');
  });
  it('3-D: the smallest axis is channels when < 10, wherever it is', () => {
    expect(letters([256, 320, 3])).toBe('YXC');
    expect(letters([2, 256, 256])).toBe('CYX');
    expect(letters([256, 4, 256])).toBe('YCX');
  });
  it('3-D: a last small axis is sure to be channels; a first one is flagged ambiguous (quirk #30)', () => {
    expect(assignAxes([256, 320, 3]).ambiguous).toBe(false);
    const a = assignAxes([5, 64, 80]);
    expect([a.axes.join(''), a.ambiguous, a.description]).toEqual(['CYX', true, 'C=5, 64x80']);
  });
  it('3-D: a smallest axis > 5 is Z, as in Cellpose 3.1 CLI; 6-9 planes are flagged ambiguous', () => {
    const a = assignAxes([16, 96, 96]);
    expect([a.axes.join(''), a.ambiguous, a.description]).toEqual(['ZYX', false, 'Z=16, 96x96']);
    const b = assignAxes([7, 96, 96]);
    expect([b.axes.join(''), b.ambiguous, b.description]).toEqual(['ZYX', true, 'Z=7, 96x96']);
    expect(letters([96, 96, 6])).toBe('YXZ');
    expect(letters([96, 9, 96])).toBe('YZX');
  });
  it('4-D: Z,C,Y,X unless axis 0 is < 4, the smallest, and smaller than axis 1', () => {
    expect(letters([24, 2, 512, 512])).toBe('ZCYX');
    expect(letters([2, 24, 512, 512])).toBe('CZYX');
    expect(letters([3, 3, 512, 512])).toBe('ZCYX');
    expect(letters([5, 2, 64, 64])).toBe('ZCYX');
    expect(assignAxes([24, 2, 512, 512]).description).toBe('Z=24, C=2, 512x512');
  });
  it('singleton axes are squeezed: labelled to fill Z/C (or T), never counted', () => {
    expect(letters([1, 1, 512, 512])).toBe('ZCYX');
    expect(letters([1, 16, 1, 96, 96])).toBe('CZTYX');
    expect(assignAxes([1, 16, 1, 96, 96]).description).toBe('Z=16, 96x96');
    expect(letters([1, 512])).toBe('YX');
  });
  it('TIFF samples are channels up to 5; from 6 the shape decides, as Cellpose reads the page with tifffile and guesses', () => {
    expect(letters([12, 64, 64, 3], { samplesPerPixel: 3 })).toBe('ZYXC');
    expect(letters([64, 64, 5], { samplesPerPixel: 5 })).toBe('YXC');
    // parity case t_yx6: Cellpose 3.1 segments the 6 samples as 6 planes
    const six = assignAxes([200, 240, 6], { samplesPerPixel: 6 });
    expect([six.axes.join(''), six.ambiguous]).toEqual(['YXZ', true]);
  });
  it('more than 4 non-singleton axes is a clear error', () => {
    expect(() => assignAxes([2, 3, 4, 64, 64])).toThrow(/image has 5 non-singleton axes \(shape \[2, 3, 4, 64, 64\]\)/);
    expect(() => assignAxes([512])).toThrow(/at least Y and X/);
  });
});

describe('assignAxes from metadata', () => {
  it('uses the letters given', () => {
    const a = assignAxes([3, 24, 512, 512], { fromMetadata: ['C', 'Z', 'Y', 'X'] });
    expect([a.axes.join(''), a.source, a.ambiguous]).toEqual(['CZYX', 'metadata', false]);
  });
  it('a time axis without Z is read as Z; with Z it is an error', () => {
    expect(letters([7, 2, 64, 64], { fromMetadata: ['T', 'C', 'Y', 'X'] })).toBe('ZCYX');
    expect(() => assignAxes([7, 5, 64, 64], { fromMetadata: ['T', 'Z', 'Y', 'X'] })).toThrow(/4 non-singleton axes/);
  });
  it('inconsistent metadata falls back to the guess', () => {
    const a = assignAxes([16, 96, 96], { fromMetadata: ['Y', 'Y', 'X'] });
    expect([a.axes.join(''), a.source]).toEqual(['ZYX', 'guess']);
  });
});

describe('assignAxes with explicit overrides', () => {
  it('overrides win over the guess and the metadata', () => {
    const a = assignAxes([5, 64, 80], {}, { zAxis: 0, channelAxis: null });
    expect([a.axes.join(''), a.source, a.ambiguous]).toEqual(['ZYX', 'override', false]);
    expect(letters([3, 24, 64, 64], { fromMetadata: ['C', 'Z', 'Y', 'X'] }, { zAxis: 0, channelAxis: 1 })).toBe('ZCYX');
  });
  it('a missing axis is still guessed; negative indices count from the end', () => {
    expect(letters([24, 64, 64, 2], {}, { channelAxis: -1 })).toBe('ZYXC');
    expect(letters([24, 2, 64, 64], {}, { zAxis: 0 })).toBe('ZCYX');
  });
  it('invalid overrides are clear errors', () => {
    expect(() => assignAxes([24, 2, 64, 64], {}, { zAxis: 4 })).toThrow(/z axis 4 is out of range for an image with 4 axes/);
    expect(() => assignAxes([24, 2, 64, 64], {}, { zAxis: 1, channelAxis: 1 })).toThrow(/z axis and channel axis are both 1/);
    expect(() => assignAxes([24, 2, 64, 64], {}, { zAxis: 0.5 })).toThrow(/out of range/);
    expect(() => assignAxes([24, 2, 64, 64], {}, { zAxis: null, channelAxis: 1 })).toThrow(/4 non-singleton axes/);
  });
});

describe('reorderToZYXC', () => {
  it('moves C x Z x Y x X to Z x Y x X x C element by element', () => {
    // value = c*1000 + z*100 + y*10 + x over a (2, 3, 2, 4) array
    const shape = [2, 3, 2, 4];
    const data = new Uint16Array(48);
    let i = 0;
    for (let c = 0; c < 2; c++) for (let z = 0; z < 3; z++) for (let y = 0; y < 2; y++) for (let x = 0; x < 4; x++) data[i++] = c * 1000 + z * 100 + y * 10 + x;
    const raw: NdArray = { data, shape, dtype: 'uint16' };
    const out = reorderToZYXC(raw, assignAxes(shape, { fromMetadata: ['C', 'Z', 'Y', 'X'] }));
    expect([...out.shape]).toEqual([3, 2, 4, 2]);
    const o = out.data as Uint16Array;
    expect(o[((2 * 2 + 1) * 4 + 3) * 2 + 1]).toBe(1213); // z=2, y=1, x=3, c=1
    expect(o[0]).toBe(0);
    expect(o[1]).toBe(1000);
  });
  it('shares the data when the order is already Z, Y, X, C', () => {
    const raw: NdArray = { data: new Uint8Array(2 * 3 * 4), shape: [2, 3, 4], dtype: 'uint8' };
    const out = reorderToZYXC(raw, assignAxes([2, 3, 4], {}, { zAxis: 0, channelAxis: null }));
    expect(out.data).toBe(raw.data);
    expect([...out.shape]).toEqual([2, 3, 4, 1]);
  });
});
