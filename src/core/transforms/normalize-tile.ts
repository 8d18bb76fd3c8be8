// Tile-wise percentile normalization (ALGORITHMS.md 2.2.2 normalize99_tile, Cellpose v3.1):
// percentiles per block, invalid blocks copied from the nearest valid one, the block grids
// Gaussian-smoothed (σ 1 along z and along tile rows — not columns — plus σ smooth3D along tile
// rows again with norm3D, as Cellpose's loop variable leaks), averaged over z, resized bilinearly
// to the image and applied pixel-wise.
import { gaussianKernel, reflect } from '../pipeline/flow3d-smooth.ts';
import { resizeBilinear } from './resize.ts';
import { linspaceTrunc } from './tile-grid.ts';
import { percentilesF32 } from './normalize99.ts';

/** scipy gaussian_filter1d along `axis` of a (d0, d1, d2, d3) float32 array, reflect borders. */
function gauss1d(v: Float32Array, dims: readonly [number, number, number, number], axis: number, sigma: number): Float32Array {
  const k = gaussianKernel(sigma);
  const r = (k.length - 1) / 2;
  const strides = [dims[1] * dims[2] * dims[3], dims[2] * dims[3], dims[3], 1];
  const n = dims[axis];
  const out = new Float32Array(v.length);
  for (let i = 0; i < v.length; i++) {
    const pos = Math.floor(i / strides[axis]) % n;
    const base = i - pos * strides[axis];
    let s = 0;
    for (let t = -r; t <= r; t++) s += k[t + r] * v[base + reflect(pos + t, n) * strides[axis]];
    out[i] = s;
  }
  return out;
}

/**
 * In place on (lz, ly, lx, nchan) float32. Throws, as Cellpose does, when norm3D is false for a
 * multi-channel stack (Cellpose's x99 there is a copy of x01, so it always divides by zero).
 */
export function normalize99Tile(
  img: Float32Array,
  shape: readonly [number, number, number, number],
  blocksize: number,
  lower: number,
  upper: number,
  norm3D: boolean,
  smooth3D: number,
  tileOverlap = 0.1,
): void {
  const [lz, ly, lx, nchan] = shape;
  const ov = Math.min(0.5, Math.max(0.05, tileOverlap));
  const by = Math.min(blocksize, ly);
  const bx = Math.min(blocksize, lx);
  const ny = ly <= blocksize ? 1 : Math.ceil(((1 + 2 * ov) * ly) / blocksize);
  const nx = lx <= blocksize ? 1 : Math.ceil(((1 + 2 * ov) * lx) / blocksize);
  const ys = linspaceTrunc(ly - by, ny);
  const xs = linspaceTrunc(lx - bx, nx);
  const grid = ny * nx * nchan;
  let lo: Float32Array = new Float32Array(lz * grid);
  let hi: Float32Array = new Float32Array(lz * grid);
  const block = new Float32Array(by * bx);
  for (let z = 0; z < lz; z++) {
    for (let c = 0; c < nchan; c++) {
      for (let j = 0; j < ny; j++) {
        for (let i = 0; i < nx; i++) {
          let k = 0;
          for (let y = ys[j]; y < ys[j] + by; y++) for (let x = xs[i]; x < xs[i] + bx; x++) block[k++] = img[((z * ly + y) * lx + x) * nchan + c];
          const [a, b] = percentilesF32(block, [lower, upper]);
          lo[z * grid + (j * nx + i) * nchan + c] = a;
          hi[z * grid + (j * nx + i) * nchan + c] = b;
        }
      }
      // blocks without contrast take the values of the nearest valid block (first minimum in
      // raster order), or (0, 1) when no block of this plane and channel is valid
      const at = (j: number, i: number): number => z * grid + (j * nx + i) * nchan + c;
      const valid: [number, number][] = [];
      const fill: [number, number][] = [];
      for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++) (hi[at(j, i)] - lo[at(j, i)] < 1e-3 ? fill : valid).push([j, i]);
      if (fill.length > 0 && valid.length > 0) {
        for (const [j, i] of fill) {
          let best = 0;
          let bestD = Infinity;
          valid.forEach(([vj, vi], q) => {
            const d = (j - vj) ** 2 + (i - vi) ** 2;
            if (d < bestD) {
              bestD = d;
              best = q;
            }
          });
          lo[at(j, i)] = lo[at(valid[best][0], valid[best][1])];
          hi[at(j, i)] = hi[at(valid[best][0], valid[best][1])];
        }
      } else if (fill.length > 0) {
        for (const [j, i] of fill) {
          lo[at(j, i)] = 0;
          hi[at(j, i)] = 1;
        }
      }
    }
  }
  const dims: [number, number, number, number] = [lz, ny, nx, nchan];
  for (const axis of [0, 1]) {
    lo = gauss1d(lo, dims, axis, 1);
    hi = gauss1d(hi, dims, axis, 1);
  }
  if (norm3D) {
    const s = smooth3D === 0 ? 1 : smooth3D;
    lo = gauss1d(lo, dims, 1, s);
    hi = gauss1d(hi, dims, 1, s);
  }
  const plane = ly * lx * nchan;
  if (!norm3D && lz > 1) {
    if (nchan > 1) throw new RangeError('cannot use norm3D=False with tile_norm, sample is too sparse; set norm3D=True or tile_norm=0');
    for (let z = 0; z < lz; z++) {
      const l = resizeBilinear(lo.subarray(z * grid, (z + 1) * grid), [ny, nx, nchan], ly, lx);
      const h = resizeBilinear(hi.subarray(z * grid, (z + 1) * grid), [ny, nx, nchan], ly, lx);
      for (let p = 0; p < plane; p++) {
        if (h[p] - l[p] < 1e-3) throw new RangeError('cannot use norm3D=False with tile_norm, sample is too sparse; set norm3D=True or tile_norm=0');
      }
      for (let p = 0; p < plane; p++) img[z * plane + p] = Math.fround(img[z * plane + p] - l[p]) / Math.fround(h[p] - l[p]);
    }
    return;
  }
  // mean over z (float32 as numpy's mean of a float32 array), then one resize for all planes
  const loM = new Float32Array(grid);
  const hiM = new Float32Array(grid);
  for (let g = 0; g < grid; g++) {
    let a = 0;
    let b = 0;
    for (let z = 0; z < lz; z++) {
      a += lo[z * grid + g];
      b += hi[z * grid + g];
    }
    loM[g] = a / lz;
    hiM[g] = b / lz;
  }
  const l = resizeBilinear(loM, [ny, nx, nchan], ly, lx);
  const h = resizeBilinear(hiM, [ny, nx, nchan], ly, lx);
  for (let z = 0; z < lz; z++) {
    for (let p = 0; p < plane; p++) img[z * plane + p] = Math.fround(img[z * plane + p] - l[p]) / Math.fround(h[p] - l[p]);
  }
}
