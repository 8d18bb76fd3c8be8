import { describe, expect, it } from 'vitest';
import { checkFilterParams, DEFAULT_SEGMENT_PARAMS } from '../../src/renderer/src/pure/segment-defaults.ts';

// Cellpose 3.1.1.3 gui.py check_filter_params: negatives become 0; tile_norm is turned off only
// when the block is larger than BOTH image sides (a block larger than one side is kept).
describe('checkFilterParams (Cellpose GUI check_filter_params)', () => {
  it('turns tile_norm off when the block exceeds both sides, and only then', () => {
    const p = { ...DEFAULT_SEGMENT_PARAMS, tileNormBlocksize: 300 };
    const both = checkFilterParams(p, 256, 299);
    expect(both.params.tileNormBlocksize).toBe(0);
    expect(both.notes).toEqual(['tile_norm blocksize 300 is bigger than both image dimensions (256 x 299): tile_norm turned off (0), as Cellpose\'s GUI does']);
    expect(checkFilterParams(p, 256, 300).params.tileNormBlocksize).toBe(300);
    expect(checkFilterParams(p, 512, 100).params.tileNormBlocksize).toBe(300);
    expect(p.tileNormBlocksize).toBe(300);
  });

  it('sets negative radii and tile settings to 0 and leaves valid ones alone', () => {
    const p = { ...DEFAULT_SEGMENT_PARAMS, smoothRadius: -1, sharpenRadius: 4, tileNormBlocksize: -64, tileNormSmooth3D: -2 };
    const r = checkFilterParams(p, 100, 100);
    expect([r.params.smoothRadius, r.params.sharpenRadius, r.params.tileNormBlocksize, r.params.tileNormSmooth3D]).toEqual([0, 4, 0, 0]);
    expect(r.notes).toHaveLength(3);
    const ok = checkFilterParams(DEFAULT_SEGMENT_PARAMS, 100, 100);
    expect(ok.notes).toEqual([]);
    expect(ok.params).toEqual(DEFAULT_SEGMENT_PARAMS);
  });
});
