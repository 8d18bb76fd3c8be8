// Status-bar readout on real data, WireArray views, and the stored axis choice guard.
import { describe, expect, it } from 'vitest';
import { describeSize, formatReadout, formatValue, valuesAt } from '../../src/renderer/src/render/pixel-readout.ts';
import { numericView } from '../../src/renderer/src/api/wire-array.ts';
import { asAxisOverride } from '../../src/renderer/src/pure/axis-override.ts';
import { autoLevels, displayToRaw, rawToDisplay } from '../../src/renderer/src/render/display-scale.ts';
import { folderOf } from '../../src/renderer/src/pure/paths.ts';
import { asUint16, pythonArray } from './python-truth.ts';
import { sharedPath } from '../helpers/shared-data.ts';

const IMG2D = sharedPath('data/stardist-dsb2018-sample-2d/img2d.tif');

describe('pixel readout', () => {
  it('reads the same raw values as tifffile at chosen pixels of the StarDist image', () => {
    const img = pythonArray(`out = tifffile.imread(${JSON.stringify(IMG2D)})`);
    const data = asUint16(img);
    const g = { nZ: 1, height: img.shape[0], width: img.shape[1], nChannels: 1 };
    const points = pythonArray(`a = tifffile.imread(${JSON.stringify(IMG2D)})
out = np.array([a[100, 200], a[0, 0], a[511, 511], a[37, 402]], np.uint16)`);
    const truth = asUint16(points);
    expect(valuesAt(data, g, 0, 200, 100)).toEqual([truth[0]]);
    expect(valuesAt(data, g, 0, 0, 0)).toEqual([truth[1]]);
    expect(valuesAt(data, g, 0, 511, 511)).toEqual([truth[2]]);
    expect(valuesAt(data, g, 0, 402, 37)).toEqual([truth[3]]);
    expect(valuesAt(data, g, 0, 512, 0)).toBeNull();
    expect(valuesAt(data, g, 0, -1, 3)).toBeNull();
  });

  it('formats sizes, integers, floats and several channels', () => {
    expect(describeSize({ nZ: 1, height: 512, width: 512, nChannels: 1 })).toBe('512x512');
    expect(describeSize({ nZ: 24, height: 256, width: 320, nChannels: 2 })).toBe('320x256, Z=24, C=2');
    expect(formatReadout(3, 4, [231], 'uint16')).toBe('x=3 y=4 value=231');
    expect(formatReadout(3, 4, [1, 2], 'uint8')).toBe('x=3 y=4 values=[1, 2]');
    expect(formatValue(0.123456, 'float32')).toBe('0.1235');
    expect(formatValue(NaN, 'float32')).toBe('NaN');
  });
});

describe('display scale', () => {
  it('converts raw levels to the 0..255 scale and back, and widens a degenerate percentile pair', () => {
    const s = { minValue: 0, maxValue: 235 };
    expect(rawToDisplay(235, s)).toBeCloseTo(255, 12);
    expect(displayToRaw(rawToDisplay(17, s), s)).toBeCloseTo(17, 9);
    // A label image: p1 == p99 == 0. The levels still span one display level.
    expect(autoLevels([[0, 0]], { minValue: 0, maxValue: 30 })).toEqual([[0, 1]]);
    expect(autoLevels([[NaN, 3]], s)).toEqual([[0, 255]]);
  });
});

describe('wire arrays', () => {
  it('views the bytes in the declared dtype and rejects a length mismatch naming both sizes', () => {
    const buf = new Uint16Array([1, 2, 65535, 7]).buffer;
    const v = numericView({ dtype: 'uint16', shape: [1, 2, 2, 1], data: buf });
    expect(Array.from(v)).toEqual([1, 2, 65535, 7]);
    expect(() => numericView({ dtype: 'float32', shape: [3], data: buf })).toThrow(/needs 12 bytes, got 8/);
    const big = numericView({ dtype: 'int64', shape: [2], data: new BigInt64Array([5n, -3n]).buffer });
    expect(Array.from(big)).toEqual([5, -3]);
  });
});

describe('stored settings', () => {
  it('accepts only well-formed axis overrides', () => {
    expect(asAxisOverride({ zAxis: 0, channelAxis: null })).toEqual({ zAxis: 0, channelAxis: null });
    expect(asAxisOverride({ zAxis: -1 })).toBeUndefined();
    expect(asAxisOverride({ zAxis: 1.5 })).toBeUndefined();
    expect(asAxisOverride('Z')).toBeUndefined();
  });

  it('takes the folder of POSIX and Windows paths', () => {
    expect(folderOf(sharedPath('data/img2d.tif'))).toBe(sharedPath('data'));
    expect(folderOf('C:\\data\\a.tif')).toBe('C:\\data');
    expect(folderOf('/a.tif')).toBe('/');
  });
});
