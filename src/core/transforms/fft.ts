// Complex FFT of any length in float64: iterative radix-2 for powers of two, Bluestein's chirp-z
// (a circular convolution done with a power-of-two FFT) for every other length. Used by the
// smooth/sharpen filter of Cellpose's normalize options (smooth-sharpen.ts), which Cellpose does
// with torch.fft on whole image planes of any size.

function isPowerOfTwo(n: number): boolean {
  return n > 0 && (n & (n - 1)) === 0;
}

/** One plan per length: twiddles (and for Bluestein the chirp and its transformed filter). */
export class Fft {
  readonly n: number;
  private readonly cos: Float64Array;
  private readonly sin: Float64Array;
  private readonly rev: Uint32Array;
  // Bluestein
  private readonly inner: Fft | null = null;
  private readonly chirpRe: Float64Array | null = null;
  private readonly chirpIm: Float64Array | null = null;
  private readonly filterRe: Float64Array | null = null;
  private readonly filterIm: Float64Array | null = null;
  private readonly workRe: Float64Array | null = null;
  private readonly workIm: Float64Array | null = null;

  constructor(n: number) {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`FFT length must be a positive integer, got ${n}`);
    this.n = n;
    if (isPowerOfTwo(n)) {
      this.cos = new Float64Array(n >> 1);
      this.sin = new Float64Array(n >> 1);
      for (let k = 0; k < n >> 1; k++) {
        this.cos[k] = Math.cos((2 * Math.PI * k) / n);
        this.sin[k] = Math.sin((2 * Math.PI * k) / n);
      }
      this.rev = new Uint32Array(n);
      const bits = Math.round(Math.log2(n));
      for (let i = 0; i < n; i++) {
        let r = 0;
        for (let b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b);
        this.rev[i] = r;
      }
      return;
    }
    this.cos = new Float64Array(0);
    this.sin = new Float64Array(0);
    this.rev = new Uint32Array(0);
    let m = 1;
    while (m < 2 * n - 1) m <<= 1;
    this.inner = new Fft(m);
    // chirp w_k = exp(-i pi k^2 / n); k^2 mod 2n keeps the angle exact for large k
    this.chirpRe = new Float64Array(n);
    this.chirpIm = new Float64Array(n);
    for (let k = 0; k < n; k++) {
      const a = (Math.PI * ((k * k) % (2 * n))) / n;
      this.chirpRe[k] = Math.cos(a);
      this.chirpIm[k] = -Math.sin(a);
    }
    // filter b_k = conj(w_k) at k and m - k, transformed once
    this.filterRe = new Float64Array(m);
    this.filterIm = new Float64Array(m);
    for (let k = 0; k < n; k++) {
      this.filterRe[k] = this.chirpRe[k];
      this.filterIm[k] = -this.chirpIm[k];
      if (k > 0) {
        this.filterRe[m - k] = this.chirpRe[k];
        this.filterIm[m - k] = -this.chirpIm[k];
      }
    }
    this.inner.transform(this.filterRe, this.filterIm, false);
    this.workRe = new Float64Array(m);
    this.workIm = new Float64Array(m);
  }

  /** In place: X_k = sum_j x_j exp(-2 pi i jk/n), or with `inverse` exp(+...) divided by n. */
  transform(re: Float64Array, im: Float64Array, inverse: boolean): void {
    const n = this.n;
    if (inverse) {
      // inverse via the forward transform of the conjugate
      for (let i = 0; i < n; i++) im[i] = -im[i];
      this.transform(re, im, false);
      for (let i = 0; i < n; i++) {
        re[i] /= n;
        im[i] = -im[i] / n;
      }
      return;
    }
    if (this.inner) {
      this.bluestein(re, im);
      return;
    }
    const rev = this.rev;
    for (let i = 0; i < n; i++) {
      const j = rev[i];
      if (j > i) {
        let t = re[i];
        re[i] = re[j];
        re[j] = t;
        t = im[i];
        im[i] = im[j];
        im[j] = t;
      }
    }
    for (let size = 2; size <= n; size <<= 1) {
      const half = size >> 1;
      const step = n / size;
      for (let start = 0; start < n; start += size) {
        for (let k = 0; k < half; k++) {
          const wr = this.cos[k * step];
          const wi = -this.sin[k * step];
          const a = start + k;
          const b = a + half;
          const tr = re[b] * wr - im[b] * wi;
          const ti = re[b] * wi + im[b] * wr;
          re[b] = re[a] - tr;
          im[b] = im[a] - ti;
          re[a] += tr;
          im[a] += ti;
        }
      }
    }
  }

  private bluestein(re: Float64Array, im: Float64Array): void {
    const n = this.n;
    const inner = this.inner as Fft;
    const cr = this.chirpRe as Float64Array;
    const ci = this.chirpIm as Float64Array;
    const wr = this.workRe as Float64Array;
    const wi = this.workIm as Float64Array;
    const fr = this.filterRe as Float64Array;
    const fi = this.filterIm as Float64Array;
    wr.fill(0);
    wi.fill(0);
    for (let k = 0; k < n; k++) {
      wr[k] = re[k] * cr[k] - im[k] * ci[k];
      wi[k] = re[k] * ci[k] + im[k] * cr[k];
    }
    inner.transform(wr, wi, false);
    for (let k = 0; k < inner.n; k++) {
      const r = wr[k] * fr[k] - wi[k] * fi[k];
      wi[k] = wr[k] * fi[k] + wi[k] * fr[k];
      wr[k] = r;
    }
    inner.transform(wr, wi, true);
    for (let k = 0; k < n; k++) {
      re[k] = wr[k] * cr[k] - wi[k] * ci[k];
      im[k] = wr[k] * ci[k] + wi[k] * cr[k];
    }
  }
}

/** The row and column plans of an (ly, lx) transform, made once for many planes. */
export interface Fft2Plans {
  rows: Fft;
  cols: Fft;
}

export function fft2Plans(ly: number, lx: number): Fft2Plans {
  const rows = new Fft(lx);
  return { rows, cols: ly === lx ? rows : new Fft(ly) };
}

/** In-place 2-D transform of a row-major (ly, lx) complex array. */
export function fft2(re: Float64Array, im: Float64Array, ly: number, lx: number, inverse: boolean, plans: Fft2Plans = fft2Plans(ly, lx)): void {
  const { rows, cols } = plans;
  for (let y = 0; y < ly; y++) rows.transform(re.subarray(y * lx, (y + 1) * lx), im.subarray(y * lx, (y + 1) * lx), inverse);
  const cr = new Float64Array(ly);
  const ci = new Float64Array(ly);
  for (let x = 0; x < lx; x++) {
    for (let y = 0; y < ly; y++) {
      cr[y] = re[y * lx + x];
      ci[y] = im[y * lx + x];
    }
    cols.transform(cr, ci, inverse);
    for (let y = 0; y < ly; y++) {
      re[y * lx + x] = cr[y];
      im[y * lx + x] = ci[y];
    }
  }
}
