// Taper mask for blending overlapping tiles (ALGORITHMS.md 3.3, Cellpose _taper_mask, sig 7.5).
// Always float64: the blend weights are float64 in Cellpose.

export function taperMask(ty: number, tx: number, sig = 7.5): Float64Array {
  const b = Math.max(224, ty, tx);
  const m1 = new Float64Array(b);
  const centre = (b - 1) / 2;
  for (let k = 0; k < b; k++) {
    const xm = Math.abs(k - centre);
    m1[k] = 1 / (1 + Math.exp((xm - (b / 2 - 20)) / sig));
  }
  const r0 = Math.floor(b / 2) - Math.floor(ty / 2);
  const c0 = Math.floor(b / 2) - Math.floor(tx / 2);
  const out = new Float64Array(ty * tx);
  for (let y = 0; y < ty; y++) {
    for (let x = 0; x < tx; x++) out[y * tx + x] = m1[r0 + y] * m1[c0 + x];
  }
  return out;
}

/** The 1-D profile (for tests against the reference values). */
export function taperProfile(b = 224, sig = 7.5): Float64Array {
  const m1 = new Float64Array(b);
  for (let k = 0; k < b; k++) m1[k] = 1 / (1 + Math.exp((Math.abs(k - (b - 1) / 2) - (b / 2 - 20)) / sig));
  return m1;
}
