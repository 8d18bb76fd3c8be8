// Padding before tiling (ALGORITHMS.md 2.4, v3.x get_pad_yx with div = 16, extra = 1): at least
// 8 zero pixels per side, total length a multiple of 16.

export interface AxisPad {
  before: number;
  after: number;
  /** Padded length = 16·ceil(L/16) + 16. */
  padded: number;
}

export function padAxis(length: number): AxisPad {
  const lpad = 16 * Math.ceil(length / 16) - length;
  const before = 8 + Math.floor(lpad / 2);
  const after = 8 + lpad - Math.floor(lpad / 2);
  return { before, after, padded: length + before + after };
}
