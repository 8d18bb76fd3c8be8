// smooth_sharpen_img (ALGORITHMS.md 2.2.2, "smooth/sharpen"): the optional Gaussian smoothing and
// surround subtraction of Cellpose's normalize options, applied before the percentiles, per plane
// and channel. Cellpose does it with torch.fft in float32; here in float64 and rounded to float32
// at the end, which agrees with it to float32 noise (test/core/transforms/smooth-sharpen.test.ts).
import { fft2, fft2Plans } from './fft.ts';

/** torch.linspace(start, end, steps) as float64 values (steps = 1 gives start). */
function linspace(start: number, end: number, steps: number): Float64Array {
  const out = new Float64Array(steps);
  const step = steps > 1 ? (end - start) / (steps - 1) : 0;
  for (let i = 0; i < steps; i++) out[i] = start + i * step;
  return out;
}

/** gaussian_kernel(sigma, Ly, Lx): exp(-(y² + x²) / 2σ²) normalized to sum 1, on Cellpose's grid,
 *  whose x coordinates also run from -Ly/2 to Ly/2 + 1 (sic, as in Cellpose). */
function gaussianKernel(sigma: number, ly: number, lx: number): Float64Array {
  const ys = linspace(-ly / 2, ly / 2 + 1, ly);
  const xs = linspace(-ly / 2, ly / 2 + 1, lx);
  const k = new Float64Array(ly * lx);
  let sum = 0;
  for (let y = 0; y < ly; y++) {
    for (let x = 0; x < lx; x++) {
      const v = Math.exp(-(ys[y] * ys[y] + xs[x] * xs[x]) / (2 * sigma * sigma));
      k[y * lx + x] = v;
      sum += v;
    }
  }
  for (let i = 0; i < k.length; i++) k[i] /= sum;
  return k;
}

/** The filter's kernel: G_smooth, G_smooth − G_sharpen, or −G_sharpen with its centre set to 1. */
function filterKernel(ly: number, lx: number, smoothRadius: number, sharpenRadius: number): Float64Array {
  if (smoothRadius > 0) {
    const k = gaussianKernel(smoothRadius, ly, lx);
    if (sharpenRadius > 0) {
      const s = gaussianKernel(sharpenRadius, ly, lx);
      for (let i = 0; i < k.length; i++) k[i] -= s[i];
    }
    return k;
  }
  const k = gaussianKernel(sharpenRadius, ly, lx);
  for (let i = 0; i < k.length; i++) k[i] = -k[i];
  k[Math.floor(ly / 2) * lx + Math.floor(lx / 2)] = 1;
  return k;
}

/**
 * Filter a (nimg, Ly, Lx, nchan) float32 array in place, each plane and channel on its own:
 * fftshift(real(ifft2(fft2(plane) · conj(fft2(K))))), a circular cross-correlation with the kernel
 * followed by a half-size circular shift, as Cellpose computes it. Nothing happens when both radii
 * are 0 or less.
 */
export function smoothSharpen(data: Float32Array, shape: readonly [number, number, number, number], smoothRadius: number, sharpenRadius: number): void {
  if (!(smoothRadius > 0) && !(sharpenRadius > 0)) return;
  const [nimg, ly, lx, nchan] = shape;
  const plane = ly * lx;
  const kRe = filterKernel(ly, lx, smoothRadius, sharpenRadius);
  const kIm = new Float64Array(plane);
  const plans = fft2Plans(ly, lx);
  fft2(kRe, kIm, ly, lx, false, plans);
  const re = new Float64Array(plane);
  const im = new Float64Array(plane);
  const sy = Math.floor(ly / 2);
  const sx = Math.floor(lx / 2);
  for (let z = 0; z < nimg; z++) {
    const base = z * plane * nchan;
    for (let c = 0; c < nchan; c++) {
      for (let p = 0; p < plane; p++) re[p] = data[base + p * nchan + c];
      im.fill(0);
      fft2(re, im, ly, lx, false, plans);
      // times conj(K)
      for (let p = 0; p < plane; p++) {
        const r = re[p] * kRe[p] + im[p] * kIm[p];
        im[p] = im[p] * kRe[p] - re[p] * kIm[p];
        re[p] = r;
      }
      fft2(re, im, ly, lx, true, plans);
      // fftshift: value (y, x) moves to ((y + Ly//2) mod Ly, (x + Lx//2) mod Lx)
      for (let y = 0; y < ly; y++) {
        const ty = (y + sy) % ly;
        for (let x = 0; x < lx; x++) data[base + (ty * lx + ((x + sx) % lx)) * nchan + c] = re[y * lx + x];
      }
    }
  }
}
