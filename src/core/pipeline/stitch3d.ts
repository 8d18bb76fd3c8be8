// 2-D masks per plane stitched into 3-D labels by IoU (ALGORITHMS.md 6.4, Cellpose utils.stitch3D),
// including the quirk that, before the first stitch, a plane after an empty plane keeps its own
// labels and resets the running maximum (6.4 "Quirk").

/** Stitch in place-like fashion; returns a new array of the same type. */
export function stitch3D<T extends Uint16Array | Uint32Array>(masks: T, shape: readonly [number, number, number], threshold: number): Uint32Array {
  const [lz, ly, lx] = shape;
  const plane = ly * lx;
  const out = Uint32Array.from(masks);
  const maxOf = (z: number): number => {
    let m = 0;
    for (let i = z * plane; i < (z + 1) * plane; i++) if (out[i] > m) m = out[i];
    return m;
  };
  let mmax = lz > 0 ? maxOf(0) : 0;
  let stitchedAny = false;
  for (let z = 0; z + 1 < lz; z++) {
    const a0 = (z + 1) * plane;
    const b0 = z * plane;
    const maxA = maxOf(z + 1);
    const maxB = maxOf(z);
    if (maxA === 0 || maxB === 0) {
      if (!stitchedAny) mmax = maxA;
      else {
        for (let i = a0; i < a0 + plane; i++) if (out[i] > 0) out[i] += mmax;
        mmax += maxA;
      }
      continue;
    }
    const areaA = new Float64Array(maxA + 1);
    const areaB = new Map<number, number>();
    const overlap = new Map<number, number>(); // key a * (maxB + 1) + b
    for (let i = 0; i < plane; i++) {
      const a = out[a0 + i];
      const b = out[b0 + i];
      areaA[a]++;
      areaB.set(b, (areaB.get(b) ?? 0) + 1);
      if (a > 0 && b > 0) {
        const k = a * (maxB + 1) + b;
        overlap.set(k, (overlap.get(k) ?? 0) + 1);
      }
    }
    // IoU entries, thresholded, then only each column's maximum survives
    const entries: { a: number; b: number; iou: number }[] = [];
    const colMax = new Map<number, number>();
    for (const [k, n] of overlap) {
      const a = Math.floor(k / (maxB + 1));
      const b = k % (maxB + 1);
      let iou = n / (areaA[a] + (areaB.get(b) ?? 0) - n);
      if (iou < threshold) iou = 0;
      entries.push({ a, b, iou });
      colMax.set(b, Math.max(colMax.get(b) ?? 0, iou));
    }
    const rowBest = new Float64Array(maxA + 1);
    const rowArg = new Int32Array(maxA + 1);
    for (const e of entries) {
      const v = e.iou < (colMax.get(e.b) ?? 0) ? 0 : e.iou;
      if (v > rowBest[e.a] || (v === rowBest[e.a] && v > 0 && e.b < rowArg[e.a])) {
        rowBest[e.a] = v;
        rowArg[e.a] = e.b;
      }
    }
    const map = new Uint32Array(maxA + 1);
    let fresh = 0;
    for (let a = 1; a <= maxA; a++) {
      if (rowBest[a] === 0) map[a] = mmax + ++fresh;
      else map[a] = rowArg[a];
    }
    mmax += fresh;
    for (let i = a0; i < a0 + plane; i++) out[i] = map[out[i]];
    stitchedAny = true;
  }
  return out;
}
