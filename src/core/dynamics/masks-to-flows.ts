// Heat-diffusion flows from masks (Cellpose dynamics.masks_to_flows, ALGORITHMS.md 4.2-4.4).
// Each mask diffuses heat from its source pixel inside its own pixels only (other masks and the
// background stay at 0), so the work is done per mask in its bounding box plus a one-pixel frame.
// float64 throughout, summing the nine terms in Cellpose's order: the last bits of T decide the
// direction at pixels whose gradient is ~0 (the source pixel of a symmetric mask).
import { findObjects } from '../masks/find-objects.ts';
import { asVolumeShape, checkLabelShape, type LabelImage } from '../masks/labels.ts';
import { centreIndex } from './centres.ts';
import { StencilWasm } from './stencil-kernel.ts';
import type { CentreRule, FlowVariant } from './profiles.ts';

export interface FlowOptions {
  /** 'cpu' (default): per-mask flows, v3 on CPU. 'gpu': whole-image flows, v3 on GPU and v4. */
  variant?: FlowVariant;
  /** 'v3' (default) or 'v4' source-pixel rule. */
  centre?: CentreRule;
  /** Diffusion steps; default Cellpose's per-variant rule. */
  niter?: number;
  /**
   * CPU variant only: compute the flows of objects [from, to) of the increasing-label order and
   * leave the others at 0 (masks are independent there, so workers can split them).
   */
  objects?: readonly [from: number, to: number];
}

const NINTH = 1 / 9;

/**
 * Scratch buffers reused across masks and planes. With WebAssembly SIMD (the default where the host
 * has it) the grids and run arrays are views of the stencil kernel's memory.
 */
export class DiffusionScratch {
  T = new Float64Array(0);
  U = new Float64Array(0);
  idx = new Int32Array(0);
  ys = new Int32Array(0);
  xs = new Int32Array(0);
  runs = new Int32Array(0);
  clipped = new Int32Array(0);
  /** The wasm kernel holding T, U, runs and clipped; null: the TypeScript kernel. */
  wasm: StencilWasm | null = StencilWasm.forThisThread();
  /** The kernel memory our views were taken from (another scratch may grow it, detaching them). */
  private viewsOf: ArrayBuffer | null = null;

  ensure(gridSize: number, npix: number): void {
    if (this.wasm && this.viewsOf !== this.wasm.buffer) {
      // the memory grew under us: re-take the views at the same capacities
      this.viewsOf = null;
      this.T = new Float64Array(0);
      this.U = new Float64Array(0);
    }
    const growGrid = this.T.length < gridSize;
    const growPix = this.idx.length < npix;
    if (!growGrid && !growPix) return;
    const g = growGrid ? Math.max(gridSize, 2 * this.T.length) : this.T.length;
    const n = growPix ? Math.max(npix, 2 * this.idx.length) : this.idx.length;
    if (growPix) {
      this.idx = new Int32Array(n);
      this.ys = new Int32Array(n);
      this.xs = new Int32Array(n);
    }
    if (this.wasm) {
      try {
        // [T | U | runs | clipped] in the kernel's memory; nothing in them outlives a call
        this.wasm.reserve(16 * g + 16 * n);
        const buf = this.wasm.buffer;
        this.viewsOf = buf;
        this.T = new Float64Array(buf, 0, g);
        this.U = new Float64Array(buf, 8 * g, g);
        this.runs = new Int32Array(buf, 16 * g, 2 * n);
        this.clipped = new Int32Array(buf, 16 * g + 8 * n, 2 * n);
        return;
      } catch {
        // the memory could not grow (wasm32 limit): plain arrays and the TypeScript kernel
        this.wasm = null;
      }
    }
    this.T = new Float64Array(g);
    this.U = new Float64Array(g);
    this.runs = new Int32Array(2 * n);
    this.clipped = new Int32Array(2 * n);
  }
}

/**
 * Runs the diffusion of one mask on framed local grids `T` and `U` (cols wide, zeroed), whose mask
 * pixels are idx[0..n), and returns the grid holding the final field. The update is synchronous
 * (every pixel reads the previous step), done by ping-ponging between the two grids; pixels
 * outside the mask stay 0 in both. `meanByDivision` selects torch's mean (sum / 9, GPU variant)
 * over the numba kernel's (1/9) * sum (CPU variant).
 */
function diffuse(scratch: DiffusionScratch, n: number, cols: number, centre: number, niter: number, meanByDivision: boolean): Float64Array {
  // Runs of consecutive grid indices (mask pixels are listed in raster order): the inner loop then
  // walks contiguous memory without an index load per pixel (same values, same order).
  const { idx, runs: R } = scratch;
  let nr = 0;
  let k = 0;
  while (k < n) {
    const s0 = idx[k];
    let e = s0 + 1;
    k++;
    while (k < n && idx[k] === e) {
      e++;
      k++;
    }
    R[nr++] = s0;
    R[nr++] = e;
  }
  // Heat spreads one pixel (Chebyshev) per step: before step t (0-based) the grid is non-zero only
  // within distance t of the source, so step t can change only the pixels within t + 1; farther
  // ones would get a sum of zeros, and they are already 0 in the grid being overwritten. Early
  // steps therefore run on the runs clipped to that square (the same values, fewer pixels).
  const cy = (centre / cols) | 0;
  const cx = centre - cy * cols;
  let reachAll = 0;
  for (let r = 0; r < nr; r += 2) {
    const y = (R[r] / cols) | 0;
    const x0 = R[r] - y * cols;
    const x1 = R[r + 1] - 1 - y * cols;
    reachAll = Math.max(reachAll, Math.abs(y - cy), cx - x0, x1 - cx);
  }
  const C = scratch.clipped;
  let src = scratch.T;
  let dst = scratch.U;
  for (let t = 0; t < niter; t++) {
    src[centre] += 1;
    let runs = R;
    let nruns = nr;
    const reach = t + 1;
    if (reach < reachAll) {
      runs = C;
      nruns = 0;
      for (let r = 0; r < nr; r += 2) {
        const y = (R[r] / cols) | 0;
        if (y < cy - reach || y > cy + reach) continue;
        const row = y * cols;
        const a = Math.max(R[r], row + cx - reach);
        const b = Math.min(R[r + 1], row + cx + reach + 1);
        if (a >= b) continue;
        C[nruns++] = a;
        C[nruns++] = b;
      }
    }
    if (scratch.wasm) scratch.wasm.stencil(src, dst, runs, nruns, cols, meanByDivision);
    else if (meanByDivision) stencilDivide(src, dst, runs, nruns, cols);
    else stencilNinth(src, dst, runs, nruns, cols);
    const s = src;
    src = dst;
    dst = s;
  }
  return src;
}

// The 3x3 sums keep Cellpose's term order (centre, N, S, W, E, NW, NE, SW, SE), added left to
// right; along a run the three columns of the window slide in registers, so each pixel loads
// three new values instead of nine (same operands, same order, same bits).
function stencilNinth(src: Float64Array, dst: Float64Array, R: Int32Array, nr: number, cols: number): void {
  for (let r = 0; r < nr; r += 2) {
    const s0 = R[r];
    const e = R[r + 1];
    let n0 = src[s0 - cols - 1];
    let n1 = src[s0 - cols];
    let m0 = src[s0 - 1];
    let m1 = src[s0];
    let d0 = src[s0 + cols - 1];
    let d1 = src[s0 + cols];
    let i = s0;
    // two pixels per turn: two independent sums in flight (each still in Cellpose's order)
    for (; i + 1 < e; i += 2) {
      const n2 = src[i - cols + 1];
      const m2 = src[i + 1];
      const d2 = src[i + cols + 1];
      const n3 = src[i - cols + 2];
      const m3 = src[i + 2];
      const d3 = src[i + cols + 2];
      dst[i] = NINTH * (m1 + n1 + d1 + m0 + m2 + n0 + n2 + d0 + d2);
      dst[i + 1] = NINTH * (m2 + n2 + d2 + m1 + m3 + n1 + n3 + d1 + d3);
      n0 = n2;
      n1 = n3;
      m0 = m2;
      m1 = m3;
      d0 = d2;
      d1 = d3;
    }
    if (i < e) {
      const n2 = src[i - cols + 1];
      const m2 = src[i + 1];
      const d2 = src[i + cols + 1];
      dst[i] = NINTH * (m1 + n1 + d1 + m0 + m2 + n0 + n2 + d0 + d2);
    }
  }
}

function stencilDivide(src: Float64Array, dst: Float64Array, R: Int32Array, nr: number, cols: number): void {
  for (let r = 0; r < nr; r += 2) {
    const s0 = R[r];
    const e = R[r + 1];
    let n0 = src[s0 - cols - 1];
    let n1 = src[s0 - cols];
    let m0 = src[s0 - 1];
    let m1 = src[s0];
    let d0 = src[s0 + cols - 1];
    let d1 = src[s0 + cols];
    let i = s0;
    // two pixels per turn: two independent sums in flight (each still in Cellpose's order)
    for (; i + 1 < e; i += 2) {
      const n2 = src[i - cols + 1];
      const m2 = src[i + 1];
      const d2 = src[i + cols + 1];
      const n3 = src[i - cols + 2];
      const m3 = src[i + 2];
      const d3 = src[i + cols + 2];
      dst[i] = (m1 + n1 + d1 + m0 + m2 + n0 + n2 + d0 + d2) / 9;
      dst[i + 1] = (m2 + n2 + d2 + m1 + m3 + n1 + n3 + d1 + d3) / 9;
      n0 = n2;
      n1 = n3;
      m0 = m2;
      m1 = m3;
      d0 = d2;
      d1 = d3;
    }
    if (i < e) {
      const n2 = src[i - cols + 1];
      const m2 = src[i + 1];
      const d2 = src[i + cols + 1];
      dst[i] = (m1 + n1 + d1 + m0 + m2 + n0 + n2 + d0 + d2) / 9;
    }
  }
}

/**
 * CPU variant (4.2) for one mask: its heat field on a framed local grid of `cols` columns, whose
 * mask pixels are scratch.idx[0..m) in raster order (grid index (y + 1) * cols + x + 1 for box
 * coordinates y, x). Returns the grid, which is scratch.T or scratch.U.
 */
export function diffuseMaskCpu(
  masks: LabelImage,
  lx: number,
  label: number,
  box: { y0: number; x0: number; h: number; w: number; count: number },
  rule: CentreRule,
  niterOverride: number | undefined,
  scratch: DiffusionScratch,
): { T: Float64Array; cols: number; m: number } {
  const { y0, x0, h, w } = box;
  const rows = h + 2;
  const cols = w + 2;
  scratch.ensure(rows * cols, box.count);
  scratch.T.fill(0, 0, rows * cols);
  scratch.U.fill(0, 0, rows * cols);
  const { idx, ys, xs } = scratch;
  let m = 0;
  for (let y = 0; y < h; y++) {
    const row = (y0 + y) * lx + x0;
    for (let x = 0; x < w; x++) {
      if (masks[row + x] !== label) continue;
      idx[m] = (y + 1) * cols + x + 1;
      // the numba kernel takes coordinates in the framed grid (+1)
      ys[m] = y + 1;
      xs[m] = x + 1;
      m++;
    }
  }
  const c = centreIndex(ys, xs, m, rule, 1, 1);
  const niter = niterOverride ?? 2 * (rows + cols);
  return { T: diffuse(scratch, m, cols, idx[c], niter, false), cols, m };
}

/**
 * Unit flows (dY, dX) of a 2-D label image, float64, written into `out` (2 * ly * lx, zeroed by
 * the caller) as Cellpose returns them before any float32 cast.
 */
export function masksToFlows2D(masks: LabelImage, ly: number, lx: number, opts: FlowOptions = {}, out?: Float64Array, scratchIn?: DiffusionScratch): Float64Array {
  const variant = opts.variant ?? 'cpu';
  const rule = opts.centre ?? 'v3';
  const plane = ly * lx;
  const mu = out ?? new Float64Array(2 * plane);
  const scratch = scratchIn ?? new DiffusionScratch();
  const boxes = findObjects(masks, [ly, lx]);
  const nObj = boxes.labels.length;
  if (nObj === 0) return mu;

  // GPU variant: one step count for all masks and a whole-image field (padded by one pixel).
  let gpuNiter = 0;
  if (variant === 'gpu') {
    for (let k = 0; k < nObj; k++) {
      const e = boxes.y1[k] - boxes.y0[k] + 1 + (boxes.x1[k] - boxes.x0[k] + 1);
      if (e > gpuNiter) gpuNiter = e;
    }
    gpuNiter *= 2;
  }
  const pcols = lx + 2;
  const global = variant === 'gpu' ? new Float64Array((ly + 2) * pcols) : null;

  const [kFrom, kTo] = variant === 'cpu' && opts.objects ? opts.objects : [0, nObj];
  for (let k = Math.max(0, kFrom); k < Math.min(nObj, kTo); k++) {
    const label = boxes.labels[k];
    const y0 = boxes.y0[k];
    const x0 = boxes.x0[k];
    const h = boxes.y1[k] - y0;
    const w = boxes.x1[k] - x0;
    if (!global) {
      const { T, cols, m } = diffuseMaskCpu(masks, lx, label, { y0, x0, h, w, count: boxes.count[k] }, rule, opts.niter, scratch);
      const idx = scratch.idx;
      for (let j = 0; j < m; j++) {
        const li = idx[j];
        const dy = T[li + cols] - T[li - cols];
        const dx = T[li + 1] - T[li - 1];
        const yy = ((li / cols) | 0) - 1;
        const gi = (y0 + yy) * lx + x0 + (li - (yy + 1) * cols - 1);
        const norm = 1e-60 + Math.sqrt(dy * dy + dx * dx);
        mu[gi] = dy / norm;
        mu[plane + gi] = dx / norm;
      }
      continue;
    }
    const rows = h + 2;
    const cols = w + 2;
    const n = boxes.count[k];
    scratch.ensure(rows * cols, n);
    const { idx, ys, xs } = scratch;
    scratch.T.fill(0, 0, rows * cols);
    scratch.U.fill(0, 0, rows * cols);
    // The GPU variant takes coordinates in the box.
    let m = 0;
    for (let y = 0; y < h; y++) {
      const row = (y0 + y) * lx + x0;
      for (let x = 0; x < w; x++) {
        if (masks[row + x] !== label) continue;
        idx[m] = (y + 1) * cols + x + 1;
        ys[m] = y;
        xs[m] = x;
        m++;
      }
    }
    const c = centreIndex(ys, xs, m, rule, 0, 0);
    const T = diffuse(scratch, m, cols, idx[c], opts.niter ?? gpuNiter, true);
    for (let j = 0; j < m; j++) {
      const li = idx[j];
      const yy = (li / cols) | 0;
      const xx = li - yy * cols;
      global[(y0 + yy) * pcols + x0 + xx] = T[li];
    }
  }
  if (global) {
    // Gradients read neighbours of any label: the main difference from the CPU variant.
    for (let y = 0; y < ly; y++) {
      for (let x = 0; x < lx; x++) {
        const gi = y * lx + x;
        if (masks[gi] === 0) continue;
        const pi = (y + 1) * pcols + x + 1;
        const dy = global[pi + pcols] - global[pi - pcols];
        const dx = global[pi + 1] - global[pi - 1];
        const norm = 1e-60 + Math.sqrt(dy * dy + dx * dx);
        mu[gi] = dy / norm;
        mu[plane + gi] = dx / norm;
      }
    }
  }
  return mu;
}

/**
 * Flows of a 2-D (Ly, Lx) or 3-D (Lz, Ly, Lx) label image as float32: (2, Ly, Lx) unit vectors,
 * or (3, Lz, Ly, Lx) = the sum of the 2-D flows of every XY, ZX and ZY plane (4.4, not
 * re-normalized), accumulated in Cellpose's order (XY planes, then ZX, then ZY).
 */
export function masksToFlows(masks: LabelImage, shape: readonly number[], opts: FlowOptions = {}): Float32Array {
  checkLabelShape('masksToFlows', masks.length, shape);
  if (shape.length === 2) {
    const [ly, lx] = shape;
    return Float32Array.from(masksToFlows2D(masks, ly, lx, opts));
  }
  const [lz, ly, lx] = asVolumeShape(shape);
  const vol = lz * ly * lx;
  const out = new Float32Array(3 * vol);
  const scratch = new DiffusionScratch();
  const dZ = 0;
  const dY = vol;
  const dX = 2 * vol;
  // XY planes -> (dY, dX)
  {
    const plane = ly * lx;
    const mu = new Float64Array(2 * plane);
    for (let z = 0; z < lz; z++) {
      mu.fill(0);
      masksToFlows2D(masks.subarray(z * plane, (z + 1) * plane), ly, lx, opts, mu, scratch);
      for (let i = 0; i < plane; i++) {
        out[dY + z * plane + i] += mu[i];
        out[dX + z * plane + i] += mu[plane + i];
      }
    }
  }
  // ZX planes masks[:, y, :] -> (dZ, dX)
  {
    const plane = lz * lx;
    const buf = new Uint32Array(plane);
    const mu = new Float64Array(2 * plane);
    for (let y = 0; y < ly; y++) {
      for (let z = 0; z < lz; z++) for (let x = 0; x < lx; x++) buf[z * lx + x] = masks[(z * ly + y) * lx + x];
      mu.fill(0);
      masksToFlows2D(buf, lz, lx, opts, mu, scratch);
      for (let z = 0; z < lz; z++) {
        for (let x = 0; x < lx; x++) {
          const gi = (z * ly + y) * lx + x;
          out[dZ + gi] += mu[z * lx + x];
          out[dX + gi] += mu[plane + z * lx + x];
        }
      }
    }
  }
  // ZY planes masks[:, :, x] -> (dZ, dY)
  {
    const plane = lz * ly;
    const buf = new Uint32Array(plane);
    const mu = new Float64Array(2 * plane);
    for (let x = 0; x < lx; x++) {
      for (let z = 0; z < lz; z++) for (let y = 0; y < ly; y++) buf[z * ly + y] = masks[(z * ly + y) * lx + x];
      mu.fill(0);
      masksToFlows2D(buf, lz, ly, opts, mu, scratch);
      for (let z = 0; z < lz; z++) {
        for (let y = 0; y < ly; y++) {
          const gi = (z * ly + y) * lx + x;
          out[dZ + gi] += mu[z * ly + y];
          out[dY + gi] += mu[plane + z * ly + y];
        }
      }
    }
  }
  return out;
}
