// Flow picture (Cellpose plot.dx_to_circ, ALGORITHMS.md 7.5): hue = flow angle, brightness = flow
// magnitude scaled by its 1st-99th percentiles. Computed in float32 like numpy on float32 flows.

/** numpy percentile, "linear" method, of sorted data. */
function percentileSorted(sorted: Float32Array, q: number): number {
  const pos = (q / 100) * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  const frac = pos - lo;
  return sorted[lo] + (sorted[hi] - sorted[lo]) * frac;
}

/**
 * dP (2, Ly, Lx) -> RGB (Ly, Lx, 3) uint8, or dP (3, Lz, Ly, Lx) -> (Lz, Ly, Lx, 3), where, as in
 * Cellpose, the magnitude uses all components and the angle is atan2(dP[1], dP[0]) (dY vs dZ in 3-D).
 */
export function flowToRgb(dP: Float32Array, shape: readonly number[]): Uint8Array {
  const nd = shape.length;
  let vol = 1;
  for (const d of shape) vol *= d;
  if (dP.length !== nd * vol) throw new RangeError(`flowToRgb: dP length ${dP.length} does not match (${nd}, ${shape.join(', ')})`);
  const mag = new Float32Array(vol);
  for (let i = 0; i < vol; i++) {
    let s = 0;
    for (let a = 0; a < nd; a++) {
      const v = dP[a * vol + i];
      s = Math.fround(s + Math.fround(v * v));
    }
    mag[i] = Math.sqrt(s);
  }
  const sorted = Float32Array.from(mag).sort();
  const p1 = percentileSorted(sorted, 1);
  const p99 = percentileSorted(sorted, 99);
  const range = p99 - p1;
  const out = new Uint8Array(vol * 3);
  const TWO_THIRDS_PI = (2 * Math.PI) / 3;
  const FOUR_THIRDS_PI = (4 * Math.PI) / 3;
  const clip = (v: number): number => (v < 0 ? 0 : v > 255 ? 255 : v);
  for (let i = 0; i < vol; i++) {
    let m = range !== 0 ? Math.fround((mag[i] - p1) / range) : 0;
    m = m < 0 ? 0 : m > 1 ? 1 : m;
    m = Math.fround(Math.fround(255 * m) / 2);
    const angle = Math.fround(Math.fround(Math.atan2(dP[vol + i], dP[i])) + Math.PI);
    out[3 * i] = clip(Math.fround(m * Math.fround(Math.fround(Math.cos(angle)) + 1)));
    out[3 * i + 1] = clip(Math.fround(m * Math.fround(Math.fround(Math.cos(Math.fround(angle + TWO_THIRDS_PI))) + 1)));
    out[3 * i + 2] = clip(Math.fround(m * Math.fround(Math.fround(Math.cos(Math.fround(angle + FOUR_THIRDS_PI))) + 1)));
  }
  return out;
}
