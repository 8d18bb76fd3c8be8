// `flows` of a _seg.npy: find the arrays by dtype and shape (GUI_AND_FORMATS.md B.3
// recommendation), since every Cellpose writer put them at different positions; and build the
// 5-entry CLI list with its u1 display pictures from raw dP/cellprob.
import { toFloat32, type NdArray } from '../array/ndarray.ts';
import { isNdArray, type PyValue } from '../io/pickle/values.ts';
import { flowToRgb } from '../pipeline/flow-rgb.ts';
import { percentilesF32 } from '../transforms/normalize99.ts';
import { resizeNearest } from '../transforms/resize.ts';
import type { SegFlows } from './seg-file.ts';

function sameTail(shape: readonly number[], tail: readonly number[]): boolean {
  if (shape.length < tail.length) return false;
  const off = shape.length - tail.length;
  return tail.every((d, i) => shape[off + i] === d);
}

function asF32(a: NdArray): NdArray<'float32'> {
  return a.dtype === 'float32' ? (a as NdArray<'float32'>) : toFloat32(a);
}

function slicePlanes(a: NdArray<'float32'>, from: number, to: number): NdArray<'float32'> {
  const plane = a.data.length / a.shape[0];
  return { dtype: 'float32', shape: to - from === 1 ? a.shape.slice(1) : [to - from, ...a.shape.slice(1)], data: a.data.slice(from * plane, to * plane) };
}

/**
 * Identify the flow arrays of a `flows` list for masks of `spatial` = (Ly, Lx) or (Lz, Ly, Lx).
 * Arrays whose trailing size differs from the masks are dropped with a note (Cellpose resizes
 * them; we recompute instead). Placeholder lists ([[],[],[],[],[[]]]) give no flows.
 */
export function identifyFlows(flows: PyValue, spatial: readonly number[], notes: string[]): SegFlows {
  const out: SegFlows = {};
  if (!Array.isArray(flows)) return out;
  const nsp = spatial.length;
  const yx = spatial.slice(-2);
  let combined: NdArray<'float32'> | undefined;
  const dpOnly: { a: NdArray<'float32'>; index: number }[] = [];
  let u1Plain = 0;
  flows.forEach((entry, index) => {
    if (!isNdArray(entry)) return;
    const s = entry.shape;
    if (entry.dtype === 'uint8') {
      const a = entry as NdArray<'uint8'>;
      if (s.length === 4 && s[3] === 3 && sameTail(s.slice(0, 3), yx)) {
        if (!out.rgb) out.rgb = a; // a second (1,Ly,Lx,3) u1 is the CLI's zeros placeholder
      } else if (s.length === 3 && sameTail(s, yx)) {
        // First plain u1 is the cellprob picture; in 3-D the next is the dZ picture (2-D: zeros).
        if (u1Plain === 0) out.cellprobU8 = a;
        else if (u1Plain === 1 && nsp === 3) out.dZU8 = a;
        u1Plain++;
      } else notes.push(`flows[${index}]: u1 array of shape (${s.join(', ')}) does not match the masks; ignored`);
      return;
    }
    if (entry.dtype !== 'float32' && entry.dtype !== 'float64') return;
    let a = asF32(entry);
    // 4.x GUI 2-D stores dP as (1, 2, Ly, Lx) and cellprob as (1, Ly, Lx).
    if (nsp === 2 && a.shape.length >= 3 && a.shape[0] === 1) a = { ...a, shape: a.shape.slice(1) };
    if (!sameTail(a.shape, spatial)) {
      notes.push(`flows[${index}]: float array of shape (${entry.shape.join(', ')}) does not match the masks; ignored`);
      return;
    }
    if (a.shape.length === nsp) out.cellprob = a;
    else if (a.shape.length === nsp + 1 && a.shape[0] === nsp + 1) combined = a;
    else if (a.shape.length === nsp + 1 && a.shape[0] === nsp) dpOnly.push({ a, index });
  });
  if (combined) {
    // [dY, dX, cellprob] / [dZ, dY, dX, cellprob]: the one array both old GUIs re-threshold from.
    out.dP = slicePlanes(combined, 0, nsp);
    out.cellprob = slicePlanes(combined, nsp, nsp + 1);
    for (const d of dpOnly) out.pixelDestinations = d.a;
  } else {
    for (const d of dpOnly) {
      // A lone (nsp, ...) float array is dP in the 4.x GUI layout (position 2) but pixel
      // destinations in <= 3.0.x CLI files (position 3): position breaks the tie.
      if (d.index === 2 && out.cellprob) out.dP = d.a;
      else out.pixelDestinations = d.a;
    }
  }
  return out;
}

/** Cellpose's cellprob picture: normalize99 of the logits, clipped to [0,1], x255, truncated to u1. */
export function cellprobToU8(cellprob: Float32Array): Uint8Array {
  const out = new Uint8Array(cellprob.length);
  if (cellprob.length === 0) return out;
  const [lo, hi] = percentilesF32(cellprob, [1, 99]);
  const range = hi - lo;
  for (let i = 0; i < cellprob.length; i++) {
    const v = (cellprob[i] - lo) / (range + 1e-20);
    out[i] = Math.trunc(Math.min(1, Math.max(0, v)) * 255);
  }
  return out;
}

/**
 * Cellpose's dZ picture: (dZ/10*127+127).astype(uint8). numpy's float->uint8 cast truncates and
 * then wraps modulo 256 for values outside [0, 256) (|dZ| > ~10); we wrap the same way so the
 * picture matches Cellpose's byte for byte, odd as the wrapped pixels look.
 */
export function dZToU8(dZ: Float32Array): Uint8Array {
  const out = new Uint8Array(dZ.length);
  for (let i = 0; i < dZ.length; i++) {
    const v = Math.trunc(Math.fround(Math.fround(dZ[i] / 10) * 127) + 127);
    out[i] = ((v % 256) + 256) % 256;
  }
  return out;
}

/**
 * The 5-entry flows list of the CLI writer (B.3), as io.masks_flows_to_seg (3.1) builds it for
 * masks of `spatial` shape. The raw flows may be at another resolution than the masks (the
 * network's, with resample off) and, for a stack segmented plane by plane and stitched, have two
 * components (dY, dX) per plane:
 * - 2-D: [0] the flow picture and [1] the 8-bit cellprob, nearest-resized to the masks' size
 *   (cv2.INTER_NEAREST), each with a leading 1; [2] zeros of the flow picture's own shape;
 *   [3] []; [4] (dY, dX, cellprob) float32 at the flows' resolution.
 * - stacks: [0] the picture, [1] the 8-bit cellprob, [2] the first flow component as 8 bits (dZ
 *   with do_3D, dY when stitched), all (Z, Y, X); [3] []; [4] the components and cellprob.
 * Display pictures missing from `flows` are computed from dP/cellprob; with no flows at all the
 * GUI's placeholder [[], [], [], [], [[]]] is written.
 */
export function cliFlowsList(flows: SegFlows, spatial: readonly number[]): PyValue[] {
  const nsp = spatial.length;
  const [ly, lx] = spatial.slice(-2);
  const { dP, cellprob } = flows;
  // the flows' own geometry: cellprob is (Y, X) or (Z, Y, X); dP adds the component axis
  const fShape = cellprob ? cellprob.shape : [];
  const fz = fShape.length === 3 ? fShape[0] : 1;
  const [fy, fx] = fShape.slice(-2);
  const fpix = fz * fy * fx;
  const ncomp = dP?.shape[0] ?? 0;
  const haveRaw =
    dP !== undefined && cellprob !== undefined && fShape.length >= 2 && (nsp === 3 || fz === 1) && (ncomp === 2 || ncomp === 3) && dP.data.length === ncomp * fpix && cellprob.data.length === fpix;
  if (!haveRaw && !flows.rgb) return [[], [], [], [], [[]]];
  const rgb = flows.rgb ?? (haveRaw ? { dtype: 'uint8' as const, shape: [fz, fy, fx, 3], data: flowToRgb(dP.data, ncomp, fpix) } : undefined);
  const cpU8 = flows.cellprobU8 ?? (haveRaw ? { dtype: 'uint8' as const, shape: [fz, fy, fx], data: cellprobToU8(cellprob.data) } : undefined);
  let raw: PyValue = [];
  if (haveRaw) {
    const data = new Float32Array((ncomp + 1) * fpix);
    data.set(dP.data, 0);
    data.set(cellprob.data, ncomp * fpix);
    raw = { dtype: 'float32', shape: [ncomp + 1, ...fShape], data };
  }
  if (nsp === 3) {
    const third: PyValue = flows.dZU8 ?? (haveRaw ? { dtype: 'uint8', shape: [fz, fy, fx], data: dZToU8(dP.data.subarray(0, fpix)) } : []);
    return [rgb ?? [], cpU8 ?? [], third, [], raw];
  }
  const toMasksSize = (a: NdArray | undefined, nchan: number): PyValue => {
    if (!a) return [];
    const n = a.shape.length;
    const [ay, ax] = nchan === 1 ? [a.shape[n - 2], a.shape[n - 1]] : [a.shape[n - 3], a.shape[n - 2]];
    if (ay === ly && ax === lx) return a;
    const data = resizeNearest(a.data as Uint8Array, nchan === 1 ? [ay, ax] : [ay, ax, nchan], ly, lx);
    return { dtype: 'uint8', shape: nchan === 1 ? [1, ly, lx] : [1, ly, lx, nchan], data };
  };
  const [ry, rx] = rgb ? rgb.shape.slice(-3, -1) : [ly, lx];
  const zeros: PyValue = { dtype: 'uint8', shape: [1, ry, rx, 3], data: new Uint8Array(ry * rx * 3) };
  return [toMasksSize(rgb, 3), toMasksSize(cpU8, 1), zeros, [], raw];
}
