// flow3D_smooth (ALGORITHMS.md 6.2): scipy.ndimage.gaussian_filter on each 3-D flow component
// with sigma (σ, σ, σ), 'reflect' borders (d c b a | a b c d), kernel radius int(4σ + 0.5);
// separable passes along Z, Y, X, each rounded to float32 as scipy writes into a float32 output.

/** scipy gaussian_filter1d weights: radius int(4σ + 0.5), normalized. */
export function gaussianKernel(sigma: number): Float64Array {
  const radius = Math.trunc(4 * sigma + 0.5);
  const k = new Float64Array(2 * radius + 1);
  let sum = 0;
  for (let i = -radius; i <= radius; i++) {
    k[i + radius] = Math.exp((-0.5 * i * i) / (sigma * sigma));
    sum += k[i + radius];
  }
  for (let i = 0; i < k.length; i++) k[i] /= sum;
  return k;
}

/** scipy 'reflect' index for i outside [0, n). */
export function reflect(i: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * n;
  let j = ((i % period) + period) % period;
  if (j >= n) j = period - 1 - j;
  return j;
}

function filterAxis(v: Float32Array, shape: readonly [number, number, number], axis: 0 | 1 | 2, k: Float64Array): Float32Array {
  const [lz, ly, lx] = shape;
  const n = shape[axis];
  const stride = axis === 0 ? ly * lx : axis === 1 ? lx : 1;
  const radius = (k.length - 1) / 2;
  const out = new Float32Array(v.length);
  const line = new Float64Array(n);
  const outer = axis === 0 ? [ly * lx, 1] : axis === 1 ? [lz, ly * lx] : [lz * ly, lx];
  for (let a = 0; a < outer[0]; a++) {
    const base = axis === 0 ? a : axis === 1 ? a * outer[1] : a * outer[1];
    const bases = axis === 1 ? Array.from({ length: lx }, (_, x) => base + x) : [base];
    for (const b of bases) {
      for (let i = 0; i < n; i++) line[i] = v[b + i * stride];
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (let t = -radius; t <= radius; t++) s += k[t + radius] * line[reflect(i + t, n)];
        out[b + i * stride] = s;
      }
    }
  }
  return out;
}

/** Smooth dP (3, lz, ly, lx) in place with σ in pixels (no-op for σ <= 0). */
export function smoothFlows3D(dP: Float32Array, shape: readonly [number, number, number], sigma: number): void {
  if (!(sigma > 0)) return;
  const k = gaussianKernel(sigma);
  const n = shape[0] * shape[1] * shape[2];
  for (let c = 0; c < 3; c++) {
    let v: Float32Array = dP.slice(c * n, (c + 1) * n);
    for (const axis of [0, 1, 2] as const) v = filterAxis(v, shape, axis, k);
    dP.set(v, c * n);
  }
}
