// The source pixel ("centre") of one mask for heat diffusion (ALGORITHMS.md 4.1).

/** Round half to even, as np.round (JS Math.round rounds half up). */
export function roundHalfEven(v: number): number {
  const f = Math.floor(v);
  const d = v - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/**
 * Index k (into the pixel lists) of the centre of a mask given its pixels in raster order, with
 * coordinates already in the frame the Cellpose variant uses (box-relative, or +1 for the CPU
 * variant's framed grid, which can change float rounding of the mean).
 * v3: the pixel closest to the mean, first in raster order on ties.
 * v4: the mean rounded half-to-even in box coordinates (`boxY0`, `boxX0` = the frame's offset of
 * the box's first row/column); that pixel if it is in the mask, else the closest mask pixel.
 */
export function centreIndex(ys: Int32Array, xs: Int32Array, n: number, rule: 'v3' | 'v4', boxY0 = 0, boxX0 = 0): number {
  let sy = 0;
  let sx = 0;
  for (let k = 0; k < n; k++) {
    sy += ys[k];
    sx += xs[k];
  }
  // Sums of integers are exact; one rounding in the division, as numpy's mean of ints.
  let ym = sy / n;
  let xm = sx / n;
  if (rule === 'v4') {
    ym = roundHalfEven(ym - boxY0) + boxY0;
    xm = roundHalfEven(xm - boxX0) + boxX0;
    for (let k = 0; k < n; k++) if (ys[k] === ym && xs[k] === xm) return k;
  }
  let best = 0;
  let bestD = Infinity;
  for (let k = 0; k < n; k++) {
    const dx = xs[k] - xm;
    const dy = ys[k] - ym;
    const d = dx * dx + dy * dy;
    if (d < bestD) {
      bestD = d;
      best = k;
    }
  }
  return best;
}
