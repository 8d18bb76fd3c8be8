// Euler integration of the flow field (Cellpose dynamics.follow_flows, ALGORITHMS.md 5.2).
// Every point moves independently through a static field, so the loops are swapped relative to
// Cellpose (each point runs all its steps in registers) with identical results. Two exact
// shortcuts end a point early: a step that does not change its float32 position (it would stay
// there forever), and a 2-cycle (it alternates between two positions forever).
import type { FollowMethod } from './profiles.ts';

export interface FollowInput {
  /** Field (nd, ...shape), float32, already masked by the foreground and divided by 5. */
  field: Float32Array;
  /** (Ly, Lx) or (Lz, Ly, Lx). */
  shape: readonly number[];
  /** Flat raster indices of the start pixels (foreground, increasing). */
  inds: Int32Array;
  niter: number;
  method: FollowMethod;
}

/**
 * Final positions (nd, n) as float32 in pixel units (row, col) or (z, row, col), for the points
 * inds[start..end) (default all), n = end - start. Work can be split into ranges across workers.
 */
export function followFlows(input: FollowInput, start = 0, end = input.inds.length): Float32Array {
  const { field, shape, inds, method } = input;
  const niter = Math.max(0, Math.trunc(input.niter));
  const nd = shape.length;
  if (nd !== 2 && nd !== 3) throw new RangeError(`followFlows: shape must be 2-D or 3-D, got [${shape.join(', ')}]`);
  let vol = 1;
  for (const d of shape) vol *= d;
  if (field.length !== nd * vol) throw new RangeError(`followFlows: field length ${field.length} does not match (${nd}, ${shape.join(', ')})`);
  const out = new Float32Array(nd * (end - start));
  if (nd === 2) {
    const [ly, lx] = shape;
    if (method === 'pixel-bilinear') bilinear2D(field, ly, lx, inds, start, end, niter, out);
    else if (method === 'nearest') nearest2D(field, ly, lx, inds, start, end, niter, out);
    else gridSample2D(field, ly, lx, inds, start, end, niter, out);
  } else {
    const [lz, ly, lx] = shape;
    if (method === 'nearest') nearest3D(field, lz, ly, lx, inds, start, end, niter, out);
    // 5.2.1 exists only in 2-D; Cellpose 3.1 uses grid-sample for all 3-D dynamics.
    else gridSample3D(field, lz, ly, lx, inds, start, end, niter, out);
  }
  return out;
}

/**
 * Per pixel a, the cellprob thresholds for which the foreground pattern of the 2x2 block that a
 * bilinear step at floor position a reads (a, its right, lower and lower-right neighbours, clamped
 * at the image edge as the sampler clamps) is the one of `threshold`: it stays so for t in
 * [lo[a], hi[a]), lo = the largest background cellprob of the block (-Inf if none), hi = the
 * smallest foreground one (+Inf if none). NaN cellprob is background for every threshold.
 */
export function blockThresholdBounds(cellprob: Float32Array, ly: number, lx: number, threshold: number): { lo: Float32Array; hi: Float32Array } {
  const plane = ly * lx;
  if (cellprob.length !== plane) throw new RangeError(`blockThresholdBounds: cellprob has ${cellprob.length} values, shape [${ly}, ${lx}] needs ${plane}`);
  const lo = new Float32Array(plane);
  const hi = new Float32Array(plane);
  for (let y = 0; y < ly; y++) {
    const yc = y < ly - 1 ? lx : 0;
    for (let x = 0; x < lx; x++) {
      const a = y * lx + x;
      writeBlockBounds(cellprob, a, x < lx - 1 ? a + 1 : a, yc, threshold, lo, hi);
    }
  }
  return { lo, hi };
}

/** lo[a] and hi[a] of blockThresholdBounds for the block at a, whose right neighbour is b and whose
 *  lower row is yc values further on (b = a and yc = 0 at the image's edges). */
export function writeBlockBounds(cellprob: Float32Array, a: number, b: number, yc: number, threshold: number, lo: Float32Array, hi: Float32Array): void {
  // NaN is background and never a bound (NaN > l is false)
  const c0 = cellprob[a];
  const c1 = cellprob[b];
  const c2 = cellprob[a + yc];
  const c3 = cellprob[b + yc];
  let l = -Infinity;
  let h = Infinity;
  if (c0 > threshold) h = c0;
  else if (c0 > l) l = c0;
  if (c1 > threshold) h = c1 < h ? c1 : h;
  else if (c1 > l) l = c1;
  if (c2 > threshold) h = c2 < h ? c2 : h;
  else if (c2 > l) l = c2;
  if (c3 > threshold) h = c3 < h ? c3 : h;
  else if (c3 > l) l = c3;
  lo[a] = l;
  hi[a] = h;
}

/**
 * followFlows (2-D pixel-bilinear) that also returns, for every point, the cellprob threshold range
 * [lo, hi) over which its trajectory is the same: F is masked by cellprob > threshold, so a
 * trajectory changes with the threshold only when a block it sampled changes its foreground
 * pattern. Result: (4, n) float32 rows y, x, lo, hi. `blocks` = blockThresholdBounds of the
 * threshold the field was masked with.
 */
export function followFlowsTracked(input: FollowInput, blocks: { lo: Float32Array; hi: Float32Array }, start = 0, end = input.inds.length): Float32Array {
  const { field, shape, inds, method } = input;
  if (shape.length !== 2 || method !== 'pixel-bilinear') throw new RangeError('followFlowsTracked: 2-D pixel-bilinear dynamics only');
  const [ly, lx] = shape;
  if (field.length !== 2 * ly * lx || blocks.lo.length !== ly * lx || blocks.hi.length !== ly * lx) {
    throw new RangeError(`followFlowsTracked: field/blocks do not match shape [${ly}, ${lx}]`);
  }
  const out = new Float32Array(4 * (end - start));
  bilinear2DTracked(field, ly, lx, inds, start, end, Math.max(0, Math.trunc(input.niter)), out, blocks);
  return out;
}

/**
 * 5.2.1: numba map_coordinates. Fractions and weights are float64 (numba promotes float32 minus
 * int32 to float64), the sample is stored as float32 and added to the float32 position.
 * Two points advance together ("lanes" A and B): one point's steps form a long dependent chain of
 * loads and float ops, and interleaving two independent chains lets the CPU overlap them. Each
 * lane's arithmetic is exactly the single-point update.
 */
function bilinear2D(F: Float32Array, ly: number, lx: number, inds: Int32Array, start: number, end: number, niter: number, out: Float32Array): void {
  const plane = ly * lx;
  const Fy = F.subarray(0, plane);
  const Fx = F.subarray(plane, 2 * plane);
  const n = end - start;
  const ymax = ly - 1;
  const xmax = lx - 1;
  const fr = Math.fround;
  let next = start;
  // lane state: current position, position two steps back (for 2-cycles), step count, point index
  let jA = -1;
  let pyA = 0;
  let pxA = 0;
  let qyA = -1;
  let qxA = -1;
  let tA = 0;
  let jB = -1;
  let pyB = 0;
  let pxB = 0;
  let qyB = -1;
  let qxB = -1;
  let tB = 0;
  if (next < end) {
    jA = next++;
    pyA = (inds[jA] / lx) | 0;
    pxA = inds[jA] - pyA * lx;
  }
  if (next < end) {
    jB = next++;
    pyB = (inds[jB] / lx) | 0;
    pxB = inds[jB] - pyB * lx;
  }
  if (niter <= 0) {
    for (let j = start; j < end; j++) {
      out[j - start] = (inds[j] / lx) | 0;
      out[n + j - start] = inds[j] % lx;
    }
    return;
  }
  while (jA >= 0 || jB >= 0) {
    if (jA >= 0) {
      const yf = pyA | 0; // trunc; positions are >= 0
      const xf = pxA | 0;
      const fy = pyA - yf;
      const fx = pxA - xf;
      const gy = 1 - fy;
      const gx = 1 - fx;
      const a = yf * lx + xf;
      const b = xf < xmax ? a + 1 : a;
      const c = yf < ymax ? a + lx : a;
      const d = xf < xmax ? c + 1 : c;
      const sy = fr(Fy[a] * gy * gx + Fy[b] * gy * fx + Fy[c] * fy * gx + Fy[d] * fy * fx);
      const sx = fr(Fx[a] * gy * gx + Fx[b] * gy * fx + Fx[c] * fy * gx + Fx[d] * fy * fx);
      let ny = fr(pyA + sy);
      let nx = fr(pxA + sx);
      ny = ny < 0 ? 0 : ny > ymax ? ymax : ny;
      nx = nx < 0 ? 0 : nx > xmax ? xmax : nx;
      tA++;
      let done = tA >= niter;
      if (ny === pyA && nx === pxA) {
        done = true; // fixed point: stays forever
      } else if (ny === qyA && nx === qxA) {
        // 2-cycle: s(t) = s(t-2), so s(niter) = s(t) if niter - t is even, else s(t-1)
        if ((niter - tA) % 2 === 0) {
          pyA = ny;
          pxA = nx;
        }
        done = true;
      } else {
        qyA = pyA;
        qxA = pxA;
        pyA = ny;
        pxA = nx;
      }
      if (done) {
        out[jA - start] = pyA;
        out[n + jA - start] = pxA;
        if (next < end) {
          jA = next++;
          pyA = (inds[jA] / lx) | 0;
          pxA = inds[jA] - pyA * lx;
          qyA = -1;
          qxA = -1;
          tA = 0;
        } else {
          jA = -1;
        }
      }
    }
    if (jB >= 0) {
      const yf = pyB | 0;
      const xf = pxB | 0;
      const fy = pyB - yf;
      const fx = pxB - xf;
      const gy = 1 - fy;
      const gx = 1 - fx;
      const a = yf * lx + xf;
      const b = xf < xmax ? a + 1 : a;
      const c = yf < ymax ? a + lx : a;
      const d = xf < xmax ? c + 1 : c;
      const sy = fr(Fy[a] * gy * gx + Fy[b] * gy * fx + Fy[c] * fy * gx + Fy[d] * fy * fx);
      const sx = fr(Fx[a] * gy * gx + Fx[b] * gy * fx + Fx[c] * fy * gx + Fx[d] * fy * fx);
      let ny = fr(pyB + sy);
      let nx = fr(pxB + sx);
      ny = ny < 0 ? 0 : ny > ymax ? ymax : ny;
      nx = nx < 0 ? 0 : nx > xmax ? xmax : nx;
      tB++;
      let done = tB >= niter;
      if (ny === pyB && nx === pxB) {
        done = true;
      } else if (ny === qyB && nx === qxB) {
        if ((niter - tB) % 2 === 0) {
          pyB = ny;
          pxB = nx;
        }
        done = true;
      } else {
        qyB = pyB;
        qxB = pxB;
        pyB = ny;
        pxB = nx;
      }
      if (done) {
        out[jB - start] = pyB;
        out[n + jB - start] = pxB;
        if (next < end) {
          jB = next++;
          pyB = (inds[jB] / lx) | 0;
          pxB = inds[jB] - pyB * lx;
          qyB = -1;
          qxB = -1;
          tB = 0;
        } else {
          jB = -1;
        }
      }
    }
  }
}

/** Points integrated together by bilinear2DTracked (their state stays in L1/L2). */
const BATCH = 4096;

/**
 * bilinear2D (same arithmetic, same early ends) that also intersects the threshold ranges of the
 * blocks each point samples; out holds (4, n): y, x, lo, hi. A batch of points advances one step at
 * a time with finished points compacted away, so the CPU overlaps the steps of different points.
 */
function bilinear2DTracked(F: Float32Array, ly: number, lx: number, inds: Int32Array, start: number, end: number, niter: number, out: Float32Array, blocks: { lo: Float32Array; hi: Float32Array }): void {
  const plane = ly * lx;
  const n = end - start;
  const ymax = ly - 1;
  const xmax = lx - 1;
  const fr = Math.fround;
  const BL = blocks.lo;
  const BH = blocks.hi;
  const size = Math.min(BATCH, Math.max(1, n));
  // per active point: position, position one step back... two steps back (2-cycles), index, bounds
  const PY = new Float32Array(size);
  const PX = new Float32Array(size);
  const QY = new Float32Array(size);
  const QX = new Float32Array(size);
  const LO = new Float32Array(size);
  const HI = new Float32Array(size);
  const J = new Int32Array(size);
  const oLo = 2 * n;
  const oHi = 3 * n;
  for (let c0 = start; c0 < end; c0 += size) {
    const c1 = Math.min(end, c0 + size);
    let m = 0;
    for (let j = c0; j < c1; j++, m++) {
      const y = (inds[j] / lx) | 0;
      PY[m] = y;
      PX[m] = inds[j] - y * lx;
      QY[m] = -1;
      QX[m] = -1;
      J[m] = j - start;
      LO[m] = -Infinity;
      HI[m] = Infinity;
    }
    if (niter === 0) {
      for (let k = 0; k < m; k++) {
        out[J[k]] = PY[k];
        out[n + J[k]] = PX[k];
        out[oLo + J[k]] = -Infinity;
        out[oHi + J[k]] = Infinity;
      }
      continue;
    }
    for (let t = 1; m > 0; t++) {
      const last = t >= niter;
      // after a 2-cycle is found at step t, the point's position at niter is the current one if
      // niter - t is even, else the previous one
      const evenLeft = (niter - t) % 2 === 0;
      let w = 0;
      for (let k = 0; k < m; k++) {
        const py = PY[k];
        const px = PX[k];
        const yf = py | 0; // trunc; positions are >= 0
        const xf = px | 0;
        const fy = py - yf;
        const fx = px - xf;
        const gy = 1 - fy;
        const gx = 1 - fx;
        const a = yf * lx + xf;
        const b = xf < xmax ? a + 1 : a;
        const c = yf < ymax ? a + lx : a;
        const d = xf < xmax ? c + 1 : c;
        const sy = fr(F[a] * gy * gx + F[b] * gy * fx + F[c] * fy * gx + F[d] * fy * fx);
        const sx = fr(F[plane + a] * gy * gx + F[plane + b] * gy * fx + F[plane + c] * fy * gx + F[plane + d] * fy * fx);
        let ny = fr(py + sy);
        let nx = fr(px + sx);
        ny = ny < 0 ? 0 : ny > ymax ? ymax : ny;
        nx = nx < 0 ? 0 : nx > xmax ? xmax : nx;
        let lo = LO[k];
        let hi = HI[k];
        if (BL[a] > lo) lo = BL[a];
        if (BH[a] < hi) hi = BH[a];
        let done = true;
        let ry = ny;
        let rx = nx;
        if (ny === py && nx === px) {
          // fixed point: stays forever
        } else if (ny === QY[k] && nx === QX[k]) {
          if (!evenLeft) {
            ry = py;
            rx = px;
          }
        } else if (!last) {
          done = false;
        }
        const jk = J[k];
        if (done) {
          out[jk] = ry;
          out[n + jk] = rx;
          out[oLo + jk] = lo;
          out[oHi + jk] = hi;
          continue;
        }
        PY[w] = ny;
        PX[w] = nx;
        QY[w] = py;
        QX[w] = px;
        J[w] = jk;
        LO[w] = lo;
        HI[w] = hi;
        w++;
      }
      m = w;
    }
  }
}

/** 5.2.3: sample the field at the truncated position, no interpolation. */
function nearest2D(F: Float32Array, ly: number, lx: number, inds: Int32Array, start: number, end: number, niter: number, out: Float32Array): void {
  const plane = ly * lx;
  const n = end - start;
  const ymax = ly - 1;
  const xmax = lx - 1;
  for (let j = start; j < end; j++) {
    const i0 = inds[j];
    let py = (i0 / lx) | 0;
    let px = i0 - py * lx;
    let qy = -1;
    let qx = -1;
    for (let t = 0; t < niter; t++) {
      const k = (py | 0) * lx + (px | 0);
      let ny = Math.fround(py + F[k]);
      let nx = Math.fround(px + F[plane + k]);
      ny = ny < 0 ? 0 : ny > ymax ? ymax : ny;
      nx = nx < 0 ? 0 : nx > xmax ? xmax : nx;
      if (ny === py && nx === px) break;
      if (ny === qy && nx === qx) {
        if ((niter - t - 1) % 2 === 0) {
          py = ny;
          px = nx;
        }
        break;
      }
      qy = py;
      qx = px;
      py = ny;
      px = nx;
    }
    out[j - start] = py;
    out[n + j - start] = px;
  }
}

function nearest3D(F: Float32Array, lz: number, ly: number, lx: number, inds: Int32Array, start: number, end: number, niter: number, out: Float32Array): void {
  const plane = ly * lx;
  const vol = lz * plane;
  const n = end - start;
  for (let j = start; j < end; j++) {
    const i0 = inds[j];
    let pz = (i0 / plane) | 0;
    const r = i0 - pz * plane;
    let py = (r / lx) | 0;
    let px = r - py * lx;
    for (let t = 0; t < niter; t++) {
      const k = (pz | 0) * plane + (py | 0) * lx + (px | 0);
      const nz = Math.min(lz - 1, Math.max(0, Math.fround(pz + F[k])));
      const ny = Math.min(ly - 1, Math.max(0, Math.fround(py + F[vol + k])));
      const nx = Math.min(lx - 1, Math.max(0, Math.fround(px + F[2 * vol + k])));
      if (nz === pz && ny === py && nx === px) break;
      pz = nz;
      py = ny;
      px = nx;
    }
    out[j - start] = pz;
    out[n + j - start] = py;
    out[2 * n + j - start] = px;
  }
}

/** Normalised-coordinate scale 2/(L-1) as torch receives it (float32); 0 for a length-1 axis. */
function gridScale(len: number): number {
  // Cellpose divides by L-1 and gets NaN for L = 1; a length-1 axis simply cannot move.
  return len > 1 ? Math.fround(2 / (len - 1)) : 0;
}

/** Pre-scaled field G = F * 2/(L-1) per axis, float32 (Cellpose scales the tensor in place). */
function scaledField(F: Float32Array, vol: number, lens: readonly number[]): Float32Array {
  const G = new Float32Array(F.length);
  for (let a = 0; a < lens.length; a++) {
    const s = gridScale(lens[a]);
    for (let i = a * vol, e = (a + 1) * vol; i < e; i++) G[i] = F[i] * s;
  }
  return G;
}

/** Position (pixel units) -> normalised grid coordinate, float32 as torch computes it. */
function toGrid(p: number, len: number): number {
  if (len <= 1) return -1;
  return Math.fround(Math.fround(Math.fround(p / (len - 1)) * 2) - 1);
}

function fromGrid(g: number, len: number): number {
  if (len <= 1) return 0;
  return Math.fround(Math.fround(Math.fround(g + 1) * 0.5) * (len - 1));
}

/**
 * 5.2.2: torch grid_sample (bilinear, zeros padding, align_corners=False) on coordinates
 * normalised by L-1, emulated in float32. Not bit-exact with PyTorch (its vectorised kernel's
 * rounding is not reproducible), but the same method: see ALGORITHMS.md 10.7.
 */
function gridSample2D(F: Float32Array, ly: number, lx: number, inds: Int32Array, start: number, end: number, niter: number, out: Float32Array): void {
  const plane = ly * lx;
  const G = scaledField(F, plane, [ly, lx]);
  const n = end - start;
  const moveY = ly > 1;
  const moveX = lx > 1;
  for (let j = start; j < end; j++) {
    const i0 = inds[j];
    const y0 = (i0 / lx) | 0;
    let gy = toGrid(y0, ly);
    let gx = toGrid(i0 - y0 * lx, lx);
    let qy = NaN;
    let qx = NaN;
    for (let t = 0; t < niter; t++) {
      const iy = Math.fround(Math.fround(Math.fround(gy + 1) * ly) - 1) / 2;
      const ix = Math.fround(Math.fround(Math.fround(gx + 1) * lx) - 1) / 2;
      const xw = Math.floor(ix) | 0;
      const yn = Math.floor(iy) | 0;
      const w = ix - xw;
      const e = Math.fround(1 - w);
      const nn = iy - yn;
      const s = Math.fround(1 - nn);
      const wnw = Math.fround(s * e);
      const wne = Math.fround(s * w);
      const wsw = Math.fround(nn * e);
      const wse = Math.fround(nn * w);
      const inX0 = xw >= 0 && xw < lx;
      const inX1 = xw + 1 >= 0 && xw + 1 < lx;
      const inY0 = yn >= 0 && yn < ly;
      const inY1 = yn + 1 >= 0 && yn + 1 < ly;
      const r0 = yn * lx;
      const r1 = r0 + lx;
      let sy = 0;
      let sx = 0;
      if (inY0 && inX0) {
        sy = Math.fround(sy + Math.fround(wnw * G[r0 + xw]));
        sx = Math.fround(sx + Math.fround(wnw * G[plane + r0 + xw]));
      }
      if (inY0 && inX1) {
        sy = Math.fround(sy + Math.fround(wne * G[r0 + xw + 1]));
        sx = Math.fround(sx + Math.fround(wne * G[plane + r0 + xw + 1]));
      }
      if (inY1 && inX0) {
        sy = Math.fround(sy + Math.fround(wsw * G[r1 + xw]));
        sx = Math.fround(sx + Math.fround(wsw * G[plane + r1 + xw]));
      }
      if (inY1 && inX1) {
        sy = Math.fround(sy + Math.fround(wse * G[r1 + xw + 1]));
        sx = Math.fround(sx + Math.fround(wse * G[plane + r1 + xw + 1]));
      }
      let ny = moveY ? Math.fround(gy + sy) : gy;
      let nx = moveX ? Math.fround(gx + sx) : gx;
      ny = ny < -1 ? -1 : ny > 1 ? 1 : ny;
      nx = nx < -1 ? -1 : nx > 1 ? 1 : nx;
      if (ny === gy && nx === gx) break;
      if (ny === qy && nx === qx) {
        if ((niter - t - 1) % 2 === 0) {
          gy = ny;
          gx = nx;
        }
        break;
      }
      qy = gy;
      qx = gx;
      gy = ny;
      gx = nx;
    }
    out[j - start] = fromGrid(gy, ly);
    out[n + j - start] = fromGrid(gx, lx);
  }
}

/**
 * 5.2.2 in 3-D: torch's trilinear grid_sample (grid_sampler_3d_cpu_impl, align_corners=False, zeros
 * padding), every operation in float32 in torch's order: the coordinate transform, the corner
 * weights as products of distances to the opposite corner, and the eight terms added one by one.
 * ALGORITHMS.md 10.7 calls PyTorch's rounding here not reproducible; for its CPU 3-D kernel it is:
 * this reproduced Cellpose 3.1.1.3's end points bit for bit on all 46,926 trajectories of a 3-D
 * case (parity t_yx6_3d), where the earlier float64 weights left 9 % of them a few ulps off and
 * sent one voxel to another mask.
 */
function gridSample3D(F: Float32Array, lz: number, ly: number, lx: number, inds: Int32Array, start: number, end: number, niter: number, out: Float32Array): void {
  const plane = ly * lx;
  const vol = lz * plane;
  // Pre-scaled field, interleaved per voxel (z, y, x) so one corner is one cache line.
  const sz0 = gridScale(lz);
  const sy0 = gridScale(ly);
  const sx0 = gridScale(lx);
  const G = new Float32Array(3 * vol);
  for (let i = 0; i < vol; i++) {
    G[3 * i] = F[i] * sz0;
    G[3 * i + 1] = F[vol + i] * sy0;
    G[3 * i + 2] = F[2 * vol + i] * sx0;
  }
  const n = end - start;
  const moveZ = lz > 1;
  const moveY = ly > 1;
  const moveX = lx > 1;
  const fr = Math.fround;
  for (let j = start; j < end; j++) {
    const i0 = inds[j];
    const z0 = (i0 / plane) | 0;
    const r = i0 - z0 * plane;
    const y0 = (r / lx) | 0;
    let gz = toGrid(z0, lz);
    let gy = toGrid(y0, ly);
    let gx = toGrid(r - y0 * lx, lx);
    let qz = NaN;
    let qy = NaN;
    let qx = NaN;
    for (let t = 0; t < niter; t++) {
      const iz = fr(fr(fr(gz + 1) * lz) - 1) / 2;
      const iy = fr(fr(fr(gy + 1) * ly) - 1) / 2;
      const ix = fr(fr(fr(gx + 1) * lx) - 1) / 2;
      const xa = Math.floor(ix) | 0;
      const ya = Math.floor(iy) | 0;
      const za = Math.floor(iz) | 0;
      // torch's trilinear weights: distances to the far corner, (x1 - ix)·(y1 - iy)·(z1 - iz) and so
      // on, each product rounded to float32 left to right
      const ex = fr(xa + 1 - ix);
      const wx = fr(ix - xa);
      const ey = fr(ya + 1 - iy);
      const wy = fr(iy - ya);
      const ez = fr(za + 1 - iz);
      const wz = fr(iz - za);
      const okx0 = xa >= 0 && xa < lx;
      const okx1 = xa + 1 >= 0 && xa + 1 < lx;
      const oky0 = ya >= 0 && ya < ly;
      const oky1 = ya + 1 >= 0 && ya + 1 < ly;
      const okz0 = za >= 0 && za < lz;
      const okz1 = za + 1 >= 0 && za + 1 < lz;
      let sz = 0;
      let sy = 0;
      let sx = 0;
      const o000 = 3 * (za * plane + ya * lx + xa);
      const dyo = 3 * lx;
      const dzo = 3 * plane;
      // corners in torch's order (tnw, tne, tsw, tse, bnw, bne, bsw, bse), each term added in float32
      const w00 = fr(ex * ey);
      const w10 = fr(wx * ey);
      const w01 = fr(ex * wy);
      const w11 = fr(wx * wy);
      if (okz0 && oky0) {
        if (okx0) { const w = fr(w00 * ez); sz = fr(sz + fr(G[o000] * w)); sy = fr(sy + fr(G[o000 + 1] * w)); sx = fr(sx + fr(G[o000 + 2] * w)); }
        if (okx1) { const w = fr(w10 * ez); sz = fr(sz + fr(G[o000 + 3] * w)); sy = fr(sy + fr(G[o000 + 4] * w)); sx = fr(sx + fr(G[o000 + 5] * w)); }
      }
      if (okz0 && oky1) {
        const o = o000 + dyo;
        if (okx0) { const w = fr(w01 * ez); sz = fr(sz + fr(G[o] * w)); sy = fr(sy + fr(G[o + 1] * w)); sx = fr(sx + fr(G[o + 2] * w)); }
        if (okx1) { const w = fr(w11 * ez); sz = fr(sz + fr(G[o + 3] * w)); sy = fr(sy + fr(G[o + 4] * w)); sx = fr(sx + fr(G[o + 5] * w)); }
      }
      if (okz1 && oky0) {
        const o = o000 + dzo;
        if (okx0) { const w = fr(w00 * wz); sz = fr(sz + fr(G[o] * w)); sy = fr(sy + fr(G[o + 1] * w)); sx = fr(sx + fr(G[o + 2] * w)); }
        if (okx1) { const w = fr(w10 * wz); sz = fr(sz + fr(G[o + 3] * w)); sy = fr(sy + fr(G[o + 4] * w)); sx = fr(sx + fr(G[o + 5] * w)); }
      }
      if (okz1 && oky1) {
        const o = o000 + dzo + dyo;
        if (okx0) { const w = fr(w01 * wz); sz = fr(sz + fr(G[o] * w)); sy = fr(sy + fr(G[o + 1] * w)); sx = fr(sx + fr(G[o + 2] * w)); }
        if (okx1) { const w = fr(w11 * wz); sz = fr(sz + fr(G[o + 3] * w)); sy = fr(sy + fr(G[o + 4] * w)); sx = fr(sx + fr(G[o + 5] * w)); }
      }
      let nz = moveZ ? fr(gz + sz) : gz;
      let ny = moveY ? fr(gy + sy) : gy;
      let nx = moveX ? fr(gx + sx) : gx;
      nz = nz < -1 ? -1 : nz > 1 ? 1 : nz;
      ny = ny < -1 ? -1 : ny > 1 ? 1 : ny;
      nx = nx < -1 ? -1 : nx > 1 ? 1 : nx;
      if (nz === gz && ny === gy && nx === gx) break;
      if (nz === qz && ny === qy && nx === qx) {
        // 2-cycle, as in 2-D
        if ((niter - t - 1) % 2 === 0) {
          gz = nz;
          gy = ny;
          gx = nx;
        }
        break;
      }
      qz = gz;
      qy = gy;
      qx = gx;
      gz = nz;
      gy = ny;
      gx = nx;
    }
    out[j - start] = fromGrid(gz, lz);
    out[n + j - start] = fromGrid(gy, ly);
    out[2 * n + j - start] = fromGrid(gx, lx);
  }
}
