// The smooth/sharpen filter of Cellpose's normalize options (ALGORITHMS.md 2.2.2) against the same
// formula run in PyTorch's float32 FFT, as Cellpose runs it, on odd, even, power-of-two and prime
// plane sizes; and the FFT underneath against a direct DFT.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Fft } from '../../../src/core/transforms/fft.ts';
import { normalizeImg, DEFAULT_NORMALIZE } from '../../../src/core/transforms/normalize-img.ts';
import { smoothSharpen } from '../../../src/core/transforms/smooth-sharpen.ts';
import { PYTHON, readNpyF32, tempDir, writeNpyF32 } from '../model/torch-reference.ts';

/** The filter as ALGORITHMS.md 2.2.2 describes it, in torch float32 (Cellpose's arithmetic). */
const TORCH_FILTER = `
import sys, numpy as np, torch
x = np.load(sys.argv[1]); smooth, sharpen = float(sys.argv[2]), float(sys.argv[3])
nimg, ly, lx, nchan = x.shape
def gauss(s):
    yy, xx = torch.meshgrid(torch.linspace(-ly / 2, ly / 2 + 1, ly), torch.linspace(-ly / 2, ly / 2 + 1, lx), indexing='ij')
    g = torch.exp(-(yy ** 2 + xx ** 2) / (2 * s ** 2))
    return g / g.sum()
if smooth > 0:
    k = gauss(smooth) - (gauss(sharpen) if sharpen > 0 else 0)
else:
    k = -gauss(sharpen); k[ly // 2, lx // 2] = 1
fk = torch.fft.fft2(k)
t = torch.from_numpy(x)
for z in range(nimg):
    for c in range(nchan):
        t[z, :, :, c] = torch.fft.fftshift(torch.real(torch.fft.ifft2(torch.fft.fft2(t[z, :, :, c]) * torch.conj(fk))))
np.save(sys.argv[4], t.numpy())
`;

function torchFilter(x: Float32Array, shape: [number, number, number, number], smooth: number, sharpen: number): Float32Array {
  const dir = tempDir();
  const inPath = join(dir, 'x.npy');
  const outPath = join(dir, 'y.npy');
  writeNpyF32(inPath, x, shape);
  execFileSync(PYTHON, ['-c', TORCH_FILTER, inPath, String(smooth), String(sharpen), outPath]);
  return readNpyF32(outPath).data;
}

/** A nuclei-like test image: blobs on a ramp, with noise, in every plane and channel. */
function image(shape: [number, number, number, number]): Float32Array {
  const [nimg, ly, lx, nchan] = shape;
  const out = new Float32Array(nimg * ly * lx * nchan);
  let seed = 7;
  const rand = (): number => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  for (let z = 0; z < nimg; z++)
    for (let y = 0; y < ly; y++)
      for (let x = 0; x < lx; x++)
        for (let c = 0; c < nchan; c++) {
          const blob = Math.exp(-((((y % 16) - 8) ** 2 + ((x % 14) - 7) ** 2) / 18));
          out[((z * ly + y) * lx + x) * nchan + c] = 100 * blob * (c + 1) + 0.3 * x + 5 * rand() + 10 * z;
        }
  return out;
}

describe('smooth/sharpen filter', () => {
  it('the FFT equals a direct DFT for power-of-two and other lengths, forward and back', () => {
    for (const n of [1, 2, 8, 12, 13, 37, 64, 100]) {
      const re = Float64Array.from({ length: n }, (_, i) => Math.sin(i * 1.3) + i / n);
      const im = Float64Array.from({ length: n }, (_, i) => Math.cos(i * 0.7));
      const wantRe = new Float64Array(n);
      const wantIm = new Float64Array(n);
      for (let k = 0; k < n; k++)
        for (let j = 0; j < n; j++) {
          const a = (-2 * Math.PI * j * k) / n;
          wantRe[k] += re[j] * Math.cos(a) - im[j] * Math.sin(a);
          wantIm[k] += re[j] * Math.sin(a) + im[j] * Math.cos(a);
        }
      const r = re.slice();
      const i2 = im.slice();
      const fft = new Fft(n);
      fft.transform(r, i2, false);
      for (let k = 0; k < n; k++) {
        expect(Math.abs(r[k] - wantRe[k])).toBeLessThan(1e-9 * n);
        expect(Math.abs(i2[k] - wantIm[k])).toBeLessThan(1e-9 * n);
      }
      fft.transform(r, i2, true);
      for (let k = 0; k < n; k++) {
        expect(Math.abs(r[k] - re[k])).toBeLessThan(1e-12 * n);
        expect(Math.abs(i2[k] - im[k])).toBeLessThan(1e-12 * n);
      }
    }
  });

  it('matches the formula in torch float32: smoothing, sharpening, both; odd, even, prime and power-of-two planes', () => {
    const cases: [[number, number, number, number], number, number][] = [
      [[1, 37, 53, 1], 2, 0],
      [[1, 37, 53, 1], 0, 6],
      [[2, 64, 48, 2], 1.5, 8],
      [[1, 61, 64, 1], 3, 12],
    ];
    for (const [shape, smooth, sharpen] of cases) {
      const x = image(shape);
      const want = torchFilter(x, shape, smooth, sharpen);
      const got = x.slice();
      smoothSharpen(got, shape, smooth, sharpen);
      let scale = 0;
      let worst = 0;
      for (let i = 0; i < got.length; i++) {
        scale = Math.max(scale, Math.abs(want[i]));
        worst = Math.max(worst, Math.abs(got[i] - want[i]));
      }
      // float32 FFT noise on values up to a few hundred
      expect(worst / scale, `${shape.join('x')} smooth ${smooth} sharpen ${sharpen}`).toBeLessThan(2e-6);
      // the filter did change the image
      expect(got.some((v, i) => Math.abs(v - x[i]) > 1e-3)).toBe(true);
    }
  });

  it('normalize: the filter runs before the percentiles, only when a radius is set', () => {
    const shape: [number, number, number, number] = [1, 40, 44, 1];
    const x = image(shape);
    const plain = x.slice();
    normalizeImg(plain, shape, DEFAULT_NORMALIZE);
    const zero = x.slice();
    normalizeImg(zero, shape, { ...DEFAULT_NORMALIZE, smoothRadius: 0, sharpenRadius: 0 });
    expect(Array.from(zero)).toEqual(Array.from(plain));
    const filtered = x.slice();
    smoothSharpen(filtered, shape, 2, 0);
    normalizeImg(filtered, shape, DEFAULT_NORMALIZE);
    const viaOptions = x.slice();
    normalizeImg(viaOptions, shape, { ...DEFAULT_NORMALIZE, smoothRadius: 2 });
    expect(Array.from(viaOptions)).toEqual(Array.from(filtered));
    expect(Array.from(viaOptions)).not.toEqual(Array.from(plain));
  });
});
