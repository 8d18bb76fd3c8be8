// do_3D network pass (ALGORITHMS.md 6.1, v3.1 _run_net): the 2-D tiler on the three orthogonal
// views of the (resized) volume; each flow component is the SUM of two views' predictions and
// cellprob the sum of three logits (not averages).
import { resizeBilinear } from '../transforms/resize.ts';
import type { AbortSignalLike } from '../util/platform.ts';
import type { NetworkRunner } from './network-runner.ts';
import { rescaledLength, runTiled } from './run-tiled.ts';
import type { SegmentOptions } from './segment-options.ts';

/** Resize a channels-last volume (lz, ly, lx, c): every z-plane in (Y, X) first, then every
 *  y-slab (Z, X) — Cellpose's order. */
export function resizeVolume(v: Float32Array, shape: readonly [number, number, number, number], lz2: number, ly2: number, lx2: number): Float32Array {
  const [lz, ly, lx, c] = shape;
  let a: Float32Array = v;
  if (ly2 !== ly || lx2 !== lx) {
    a = new Float32Array(lz * ly2 * lx2 * c);
    for (let z = 0; z < lz; z++) a.set(resizeBilinear(v.subarray(z * ly * lx * c, (z + 1) * ly * lx * c), [ly, lx, c], ly2, lx2), z * ly2 * lx2 * c);
  }
  if (lz2 === lz) return a;
  const out = new Float32Array(lz2 * ly2 * lx2 * c);
  const slab = new Float32Array(lz * lx2 * c);
  const row = lx2 * c;
  for (let y = 0; y < ly2; y++) {
    for (let z = 0; z < lz; z++) slab.set(a.subarray((z * ly2 + y) * row, (z * ly2 + y + 1) * row), z * row);
    const r = resizeBilinear(slab, [lz, lx2, c], lz2, lx2);
    for (let z = 0; z < lz2; z++) out.set(r.subarray(z * row, (z + 1) * row), (z * ly2 + y) * row);
  }
  return out;
}

/** Permute a channels-last volume (a0, a1, a2, c) to axes order `perm` of (0, 1, 2). */
function permute(v: Float32Array, dims: readonly [number, number, number], c: number, perm: readonly [number, number, number]): Float32Array {
  const out = new Float32Array(v.length);
  const nd = [dims[perm[0]], dims[perm[1]], dims[perm[2]]];
  const strides = [dims[1] * dims[2], dims[2], 1];
  const s = [strides[perm[0]], strides[perm[1]], strides[perm[2]]];
  let k = 0;
  for (let i = 0; i < nd[0]; i++) {
    for (let j = 0; j < nd[1]; j++) {
      for (let l = 0; l < nd[2]; l++) {
        const src = (i * s[0] + j * s[1] + l * s[2]) * c;
        for (let q = 0; q < c; q++) out[k++] = v[src + q];
      }
    }
  }
  return out;
}

export interface Flows3D {
  /** (3, lz, ly, lx): dZ, dY, dX */
  dP: Float32Array;
  ncomp: 3;
  cellprob: Float32Array;
  ly: number;
  lx: number;
  style: Float32Array;
}

export async function run3D(
  x: Float32Array,
  shape: readonly [number, number, number, number],
  net: NetworkRunner,
  o: SegmentOptions,
  rescale: number,
  signal: AbortSignalLike | undefined,
  progress: (f: number) => void,
  /** Cellpose 3.1's net_ortho: runs the ZY and ZX views when given (core.run_3D). */
  netOrtho?: NetworkRunner,
): Promise<Flows3D> {
  const [lz, ly, lx, c] = shape;
  const resized = rescale !== 1 || o.anisotropy !== 1;
  const ly2 = resized ? rescaledLength(ly, rescale) : ly;
  const lx2 = resized ? rescaledLength(lx, rescale) : lx;
  const lz2 = resized ? rescaledLength(lz, o.anisotropy * rescale) : lz;
  if (ly2 < 1 || lx2 < 1 || lz2 < 1) throw new RangeError(`volume ${lz}x${ly}x${lx} resized by ${rescale} is empty`);
  const v = resized ? resizeVolume(x, shape, lz2, ly2, lx2) : x;
  const n = lz2 * ly2 * lx2;
  const acc = new Float32Array(n * 4); // (lz2, ly2, lx2, [dZ, dY, dX, cp])
  const dims: [number, number, number] = [lz2, ly2, lx2];
  // view p: axes order of the volume fed to the 2-D tiler, and which acc component each of the
  // net's (dY', dX') lands in
  const views: { perm: [number, number, number]; comp: [number, number] }[] = [
    { perm: [0, 1, 2], comp: [1, 2] },
    { perm: [1, 0, 2], comp: [0, 2] },
    { perm: [2, 0, 1], comp: [0, 1] },
  ];
  let style = new Float32Array(net.styleDim);
  for (let vi = 0; vi < 3; vi++) {
    const { perm, comp } = views[vi];
    const vd = [dims[perm[0]], dims[perm[1]], dims[perm[2]]] as const;
    const xs = vi === 0 ? v : permute(v, dims, c, perm);
    const viewNet = vi === 0 || !netOrtho ? net : netOrtho;
    const t = await runTiled(xs, [vd[0], vd[1], vd[2], c], viewNet, {
      rescale: 1,
      augment: o.augment,
      tileOverlap: o.tileOverlap,
      batchSize: o.batchSize,
      signal,
      onBatch: (d, total) => progress((vi + d / total) / 3),
    });
    const nout = viewNet.nout;
    // scatter back: view index (i, j, l) corresponds to volume coordinates via perm
    const idx = [0, 0, 0];
    let k = 0;
    for (let i = 0; i < vd[0]; i++) {
      idx[perm[0]] = i;
      for (let j = 0; j < vd[1]; j++) {
        idx[perm[1]] = j;
        for (let l = 0; l < vd[2]; l++) {
          idx[perm[2]] = l;
          const dst = ((idx[0] * ly2 + idx[1]) * lx2 + idx[2]) * 4;
          const src = k * nout;
          acc[dst + comp[0]] += t.y[src];
          acc[dst + comp[1]] += t.y[src + 1];
          acc[dst + 3] += t.y[src + 2];
          k++;
        }
      }
    }
    // Cellpose returns the last view's style (the ortho network's when there is one)
    style = t.styles.slice((vd[0] - 1) * viewNet.styleDim, vd[0] * viewNet.styleDim);
  }
  let out: Float32Array = acc;
  let oz = lz2;
  let oy = ly2;
  let ox = lx2;
  if (o.resample && resized) {
    out = resizeVolume(acc, [lz2, ly2, lx2, 4], lz, ly, lx);
    oz = lz;
    oy = ly;
    ox = lx;
  }
  const m = oz * oy * ox;
  const dP = new Float32Array(3 * m);
  const cellprob = new Float32Array(m);
  for (let p = 0; p < m; p++) {
    dP[p] = out[p * 4];
    dP[m + p] = out[p * 4 + 1];
    dP[2 * m + p] = out[p * 4 + 2];
    cellprob[p] = out[p * 4 + 3];
  }
  return { dP, ncomp: 3, cellprob, ly: oy, lx: ox, style };
}
