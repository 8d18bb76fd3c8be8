// Cellpose's z-interpolation of hand-drawn 3D masks (gui3d.interpZ / avg3d, GUI_AND_FORMATS A.6):
// every undrawn plane between the lowest and highest drawn plane is filled by blending the two
// nearest drawn planes' masks, each smoothed by a 3x3 kernel, weighted linearly by distance, and
// thresholded at 0.33.

/** avg3d weights: centre 1, edge neighbours 1/2, corner neighbours 1/(1 + sqrt 2), normalised. */
const EDGE_W = 0.5;
const CORNER_W = 1 / (1 + Math.SQRT2);
const NORM = 4 * EDGE_W + 4 * CORNER_W + 1;

/** The 3x3 weighted average of a 0/1 mask of h x w, zero outside (Cellpose pads with zeros). */
export function smooth3x3(mask: Uint8Array, h: number, w: number): Float32Array {
  const out = new Float32Array(h * w);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let s = 0;
      for (let dy = -1; dy <= 1; dy++) {
        const yy = y + dy;
        if (yy < 0 || yy >= h) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const xx = x + dx;
          if (xx < 0 || xx >= w || !mask[yy * w + xx]) continue;
          s += dy === 0 && dx === 0 ? 1 : dy === 0 || dx === 0 ? EDGE_W : CORNER_W;
        }
      }
      // Cellpose computes in float32 and divides after summing.
      out[y * w + x] = s / NORM;
    }
  }
  return out;
}

/**
 * For drawn planes `zdraw` (increasing, at least two) with their masks (h x w crops, same crop for
 * all), the interpolated masks of every undrawn plane strictly between zdraw[0] and the last one.
 */
export function interpolatePlanes(zdraw: Int32Array, masks: ReadonlyMap<number, Uint8Array>, h: number, w: number): Map<number, Uint8Array> {
  const out = new Map<number, Uint8Array>();
  const smoothed = new Map<number, Float32Array>();
  const smooth = (z: number): Float32Array => {
    let s = smoothed.get(z);
    if (!s) {
      const m = masks.get(z);
      if (!m) throw new RangeError(`no mask for drawn plane ${z}`);
      s = smooth3x3(m, h, w);
      smoothed.set(z, s);
    }
    return s;
  };
  for (let k = 0; k + 1 < zdraw.length; k++) {
    const lo = zdraw[k];
    const hi = zdraw[k + 1];
    for (let z = lo + 1; z < hi; z++) {
      const t = (z - lo) / (hi - lo);
      const a = smooth(lo);
      const b = smooth(hi);
      const m = new Uint8Array(h * w);
      for (let i = 0; i < m.length; i++) if (Math.fround(Math.fround(a[i] * (1 - t)) + Math.fround(b[i] * t)) > 0.33) m[i] = 1;
      out.set(z, m);
    }
  }
  return out;
}
