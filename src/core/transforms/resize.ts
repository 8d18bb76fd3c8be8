// OpenCV-exact resizing, as Cellpose calls it (ALGORITHMS.md Appendix C):
//   resizeBilinear = cv2.resize(..., INTER_LINEAR) on float32 data (images, flows, cellprob);
//   resizeNearest  = cv2.resize(..., INTER_NEAREST) on label images.
// Both are separable per axis (horizontal pass first). No anti-aliasing when shrinking (OpenCV
// INTER_LINEAR has none either).
//
// Bilinear arithmetic: Appendix C describes float64 coordinates and weights. Checked against
// OpenCV itself (cv2 4.6, bit for bit over up/down-sampling, odd sizes, 1 and 3 channels) and
// against the real Cellpose 3.1 outputs, OpenCV instead rounds the source coordinate to float32
// ((float)((d + 0.5) * scale - 0.5)), takes the weights (1 - a, a) in float32, multiplies and adds
// in float32 (no fused multiply-add), keeps the row pass in float32, and clamps the weights only in
// the horizontal pass: vertically the weights stay unclamped while the rows are clamped, so the
// first and last output rows mix a row with itself. The float64 version differed from OpenCV by up
// to 1.2e-5 on normalized images, enough to move Cellpose's flows by ~1e-4 after the network; we
// follow OpenCV, whose output is what the compatibility is judged on.

/** Integer-label typed arrays that resizeNearest copies without conversion. */
export type LabelArray = Uint8Array | Uint16Array | Uint32Array | Int32Array | Float32Array;

interface AxisTaps {
  /** First source index of each destination index. */
  i0: Int32Array;
  /** Second source index (i0 + 1, clamped). */
  i1: Int32Array;
  /** float32 weight of i1; the weight of i0 is fround(1 - a). */
  a: Float32Array;
}

function checkSize(name: string, n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`resize: ${name} must be a positive integer, got ${n}`);
}

/** INTER_LINEAR taps of one axis, as OpenCV computes them: the coordinate rounded to float32,
 *  float32 weights; `clampWeights` (the horizontal pass) zeroes the weight outside the source,
 *  otherwise (the vertical pass) only the source indices are clamped. */
function linearTaps(srcLen: number, dstLen: number, clampWeights: boolean): AxisTaps {
  const scale = 1 / (dstLen / srcLen);
  const i0 = new Int32Array(dstLen);
  const i1 = new Int32Array(dstLen);
  const a = new Float32Array(dstLen);
  for (let d = 0; d < dstLen; d++) {
    const f = Math.fround((d + 0.5) * scale - 0.5);
    let s0 = Math.floor(f);
    let w = Math.fround(f - s0);
    if (clampWeights) {
      if (s0 < 0) {
        s0 = 0;
        w = 0;
      }
      if (s0 >= srcLen - 1) {
        s0 = srcLen - 1;
        w = 0;
      }
    }
    i0[d] = Math.min(Math.max(s0, 0), srcLen - 1);
    i1[d] = Math.min(Math.max(s0 + 1, 0), srcLen - 1);
    a[d] = w;
  }
  return { i0, i1, a };
}

/**
 * Bilinear resize of a channels-last float32 image (ly, lx, nchan) to (outLy, outLx, nchan), every
 * channel identically, as cv2.resize INTER_LINEAR. Returns a new Float32Array.
 */
export function resizeBilinear(
  src: Float32Array,
  shape: readonly [ly: number, lx: number, nchan: number],
  outLy: number,
  outLx: number,
): Float32Array {
  const [ly, lx, nchan] = shape;
  checkSize('ly', ly);
  checkSize('lx', lx);
  checkSize('nchan', nchan);
  checkSize('outLy', outLy);
  checkSize('outLx', outLx);
  if (src.length !== ly * lx * nchan) {
    throw new RangeError(`resizeBilinear: data length ${src.length} does not match shape [${ly}, ${lx}, ${nchan}]`);
  }
  const tx = linearTaps(lx, outLx, true);
  const ty = linearTaps(ly, outLy, false);
  const f = Math.fround;
  // Horizontal pass first (OpenCV order) into a float32 row buffer, then the vertical pass.
  const rowLen = outLx * nchan;
  const tmp = new Float32Array(ly * rowLen);
  for (let y = 0; y < ly; y++) {
    const srcRow = y * lx * nchan;
    const tmpRow = y * rowLen;
    for (let d = 0; d < outLx; d++) {
      const a = tx.a[d];
      const b = f(1 - a);
      const s0 = srcRow + tx.i0[d] * nchan;
      const s1 = srcRow + tx.i1[d] * nchan;
      const o = tmpRow + d * nchan;
      for (let c = 0; c < nchan; c++) tmp[o + c] = f(src[s0 + c] * b) + f(src[s1 + c] * a);
    }
  }
  const out = new Float32Array(outLy * rowLen);
  for (let d = 0; d < outLy; d++) {
    const a = ty.a[d];
    const b = f(1 - a);
    const r0 = ty.i0[d] * rowLen;
    const r1 = ty.i1[d] * rowLen;
    const o = d * rowLen;
    for (let k = 0; k < rowLen; k++) out[o + k] = f(tmp[r0 + k] * b) + f(tmp[r1 + k] * a);
  }
  return out;
}

/**
 * Bilinear resize of a planar (channels-first) float32 stack (nplanes, ly, lx) to
 * (nplanes, outLy, outLx): each plane resized as resizeBilinear with one channel. This is the
 * layout of flows (dY, dX) and of z-stacks.
 */
export function resizeBilinearPlanes(
  src: Float32Array,
  shape: readonly [nplanes: number, ly: number, lx: number],
  outLy: number,
  outLx: number,
): Float32Array {
  const [nplanes, ly, lx] = shape;
  checkSize('nplanes', nplanes);
  checkSize('ly', ly);
  checkSize('lx', lx);
  if (src.length !== nplanes * ly * lx) {
    throw new RangeError(`resizeBilinearPlanes: data length ${src.length} does not match shape [${nplanes}, ${ly}, ${lx}]`);
  }
  const out = new Float32Array(nplanes * outLy * outLx);
  const planeIn = ly * lx;
  const planeOut = outLy * outLx;
  for (let p = 0; p < nplanes; p++) {
    const r = resizeBilinear(src.subarray(p * planeIn, (p + 1) * planeIn), [ly, lx, 1], outLy, outLx);
    out.set(r, p * planeOut);
  }
  return out;
}

/** INTER_NEAREST source index of one axis: floor(d · S/D), clamped (not the pixel-centre rule).
 *  The factor is computed as OpenCV's cv::resize does, 1 / (D / S) in doubles, not S / D: where
 *  d · S/D is a whole number, 1 / (D / S) can fall one ulp short and the floor one pixel lower
 *  (35 -> 360: OpenCV maps output 72 to input 6, S/D gives 7). Checked against cv2.resize for every
 *  S up to 599 and 48 output sizes. The masks of a --no_resample run and the size model's
 *  refinement pass, which Cellpose resizes this way, depend on it. */
function nearestTaps(srcLen: number, dstLen: number): Int32Array {
  const ratio = 1 / (dstLen / srcLen);
  const idx = new Int32Array(dstLen);
  for (let d = 0; d < dstLen; d++) idx[d] = Math.min(Math.floor(d * ratio), srcLen - 1);
  return idx;
}

/**
 * Nearest-neighbour resize of a channels-last array (ly, lx, nchan) to (outLy, outLx, nchan), as
 * cv2.resize INTER_NEAREST. Values are copied, so labels of any size survive exactly (Cellpose
 * routes uint32 labels through float32, exact below 2^24; copying is exact for all of them).
 * Returns an array of the same type as `src`.
 */
export function resizeNearest<T extends LabelArray>(
  src: T,
  shape: readonly [ly: number, lx: number, nchan?: number],
  outLy: number,
  outLx: number,
): T {
  const [ly, lx] = shape;
  const nchan = shape[2] ?? 1;
  checkSize('ly', ly);
  checkSize('lx', lx);
  checkSize('nchan', nchan);
  checkSize('outLy', outLy);
  checkSize('outLx', outLx);
  if (src.length !== ly * lx * nchan) {
    throw new RangeError(`resizeNearest: data length ${src.length} does not match shape [${ly}, ${lx}, ${nchan}]`);
  }
  const ix = nearestTaps(lx, outLx);
  const iy = nearestTaps(ly, outLy);
  const Ctor = src.constructor as new (n: number) => T;
  const out = new Ctor(outLy * outLx * nchan);
  for (let y = 0; y < outLy; y++) {
    const srcRow = iy[y] * lx * nchan;
    const o = y * outLx * nchan;
    if (nchan === 1) {
      for (let x = 0; x < outLx; x++) out[o + x] = src[srcRow + ix[x]];
    } else {
      for (let x = 0; x < outLx; x++) {
        const s = srcRow + ix[x] * nchan;
        for (let c = 0; c < nchan; c++) out[o + x * nchan + c] = src[s + c];
      }
    }
  }
  return out;
}

/**
 * Nearest resize of a label volume (lz, ly, lx) back to (outLz, outLy, outLx), in Cellpose's order
 * (6.3): first every z-plane in YX, then every y-slab (lz, outLx) in Z.
 */
export function resizeNearest3D<T extends LabelArray>(
  src: T,
  shape: readonly [lz: number, ly: number, lx: number],
  outLz: number,
  outLy: number,
  outLx: number,
): T {
  const [lz, ly, lx] = shape;
  checkSize('lz', lz);
  checkSize('outLz', outLz);
  if (src.length !== lz * ly * lx) {
    throw new RangeError(`resizeNearest3D: data length ${src.length} does not match shape [${lz}, ${ly}, ${lx}]`);
  }
  // Separable nearest resampling: the two passes compose to a per-axis index lookup.
  const iz = nearestTaps(lz, outLz);
  const iy = nearestTaps(ly, outLy);
  const ix = nearestTaps(lx, outLx);
  const Ctor = src.constructor as new (n: number) => T;
  const out = new Ctor(outLz * outLy * outLx);
  let o = 0;
  for (let z = 0; z < outLz; z++) {
    const zOff = iz[z] * ly * lx;
    for (let y = 0; y < outLy; y++) {
      const row = zOff + iy[y] * lx;
      for (let x = 0; x < outLx; x++) out[o++] = src[row + ix[x]];
    }
  }
  return out;
}
