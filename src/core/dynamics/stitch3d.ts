// Stitching per-plane 2-D masks into 3-D objects by IoU with the previous plane (Cellpose
// utils.stitch3D, ALGORITHMS.md 6.4), including its quirk: while nothing has been stitched yet,
// an empty-IoU step resets the running maximum to the current plane's maximum instead of
// accumulating, so labels after leading empty planes can collide with earlier ones (reproduced
// exactly because Cellpose's outputs depend on it).

/**
 * masks (Lz, Ly, Lx), labels of each plane numbered independently. Returns a new uint32 volume
 * (Cellpose keeps the input dtype; uint32 avoids its silent uint16 wrap-around).
 */
export function stitch3D(masks: ArrayLike<number>, shape: readonly [number, number, number], threshold = 0.25): Uint32Array {
  const [lz, ly, lx] = shape;
  const plane = ly * lx;
  if (masks.length !== lz * plane) throw new RangeError(`stitch3D: data length ${masks.length} does not match shape [${shape.join(', ')}]`);
  const out = Uint32Array.from(masks);
  let mmax = 0;
  for (let i = 0; i < plane; i++) if (out[i] > mmax) mmax = out[i];
  let stitched = false;
  for (let z = 0; z + 1 < lz; z++) {
    const A = out.subarray((z + 1) * plane, (z + 2) * plane); // fresh labels
    const B = out.subarray(z * plane, (z + 1) * plane); // final labels
    let nA = 0;
    let nB = 0;
    for (let i = 0; i < plane; i++) {
      if (A[i] > nA) nA = A[i];
      if (B[i] > nB) nB = B[i];
    }
    if (nA === 0 || nB === 0) {
      if (!stitched) {
        mmax = nA;
      } else {
        for (let i = 0; i < plane; i++) if (A[i] > 0) A[i] += mmax;
        mmax += nA;
      }
      continue;
    }
    // overlap counts (sparse) and areas over all label values up to the max
    const areaA = new Float64Array(nA + 1);
    const areaB = new Float64Array(nB + 1);
    const overlap = new Map<number, number>();
    for (let i = 0; i < plane; i++) {
      const a = A[i];
      const b = B[i];
      areaA[a]++;
      areaB[b]++;
      if (a > 0 && b > 0) {
        const key = a * (nB + 1) + b;
        overlap.set(key, (overlap.get(key) ?? 0) + 1);
      }
    }
    const rowsA = new Int32Array(overlap.size);
    const colsB = new Int32Array(overlap.size);
    const iou = new Float64Array(overlap.size);
    let e = 0;
    for (const [key, ov] of overlap) {
      const a = Math.floor(key / (nB + 1));
      const b = key - a * (nB + 1);
      const v = ov / (areaA[a] + areaB[b] - ov);
      rowsA[e] = a;
      colsB[e] = b;
      iou[e] = v < threshold ? 0 : v;
      e++;
    }
    // keep only each column's maximum
    const colMax = new Float64Array(nB + 1);
    for (let k = 0; k < e; k++) if (iou[k] > colMax[colsB[k]]) colMax[colsB[k]] = iou[k];
    for (let k = 0; k < e; k++) if (iou[k] < colMax[colsB[k]]) iou[k] = 0;
    // per row: first column of the row maximum, or a new label when the row is all zero
    const rowMax = new Float64Array(nA + 1);
    const rowArg = new Int32Array(nA + 1).fill(0x7fffffff);
    for (let k = 0; k < e; k++) {
      const a = rowsA[k];
      const v = iou[k];
      if (v > rowMax[a] || (v === rowMax[a] && v > 0 && colsB[k] < rowArg[a])) {
        rowMax[a] = v;
        rowArg[a] = colsB[k];
      }
    }
    const map = new Uint32Array(nA + 1);
    for (let a = 1; a <= nA; a++) map[a] = rowMax[a] === 0 ? ++mmax : rowArg[a];
    for (let i = 0; i < plane; i++) if (A[i] > 0) A[i] = map[A[i]];
    stitched = true;
  }
  return out;
}
