// Average precision at IoU thresholds (Cellpose metrics.average_precision, ALGORITHMS.md 7.4).
// Cellpose solves a linear assignment whose optimum is a maximum matching on {IoU >= th}; a
// maximum bipartite matching (augmenting paths) gives the same tp.
import type { LabelImage } from './labels.ts';

export interface ApResult {
  /** [image][threshold] */
  ap: number[][];
  tp: number[][];
  fp: number[][];
  fn: number[][];
}

interface SparseIou {
  /** For each true label 1..nT, the (pred label, IoU) pairs with IoU > 0. */
  rows: Array<Array<[number, number]>>;
  nTrue: number;
  nPred: number;
}

function maxOf(a: LabelImage): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) if (a[i] > m) m = a[i];
  return m;
}

/** IoU of every overlapping (true, pred) pair; labels counted up to the max label, as Cellpose. */
export function sparseIou(trueMasks: LabelImage, predMasks: LabelImage): SparseIou {
  if (trueMasks.length !== predMasks.length) {
    throw new RangeError(`averagePrecision: true and predicted masks differ in size (${trueMasks.length} vs ${predMasks.length})`);
  }
  const nT = maxOf(trueMasks);
  const nP = maxOf(predMasks);
  const areaT = new Float64Array(nT + 1);
  const areaP = new Float64Array(nP + 1);
  const overlap = new Map<number, number>();
  for (let i = 0; i < trueMasks.length; i++) {
    const t = trueMasks[i];
    const p = predMasks[i];
    areaT[t]++;
    areaP[p]++;
    if (t > 0 && p > 0) {
      const key = t * (nP + 1) + p;
      overlap.set(key, (overlap.get(key) ?? 0) + 1);
    }
  }
  const rows: Array<Array<[number, number]>> = Array.from({ length: nT + 1 }, () => []);
  for (const [key, ov] of overlap) {
    const t = Math.floor(key / (nP + 1));
    const p = key - t * (nP + 1);
    rows[t].push([p, ov / (areaT[t] + areaP[p] - ov)]);
  }
  return { rows, nTrue: nT, nPred: nP };
}

/** Size of a maximum matching in the bipartite graph true -> pred with IoU >= th (Kuhn's augmenting paths). */
function maxMatching(iou: SparseIou, th: number): number {
  const adj = iou.rows.map((r) => r.filter(([, v]) => v >= th).map(([p]) => p));
  const matchP = new Int32Array(iou.nPred + 1).fill(-1);
  let visited = new Uint32Array(iou.nPred + 1);
  let stamp = 0;
  let count = 0;
  const tryAugment = (t: number): boolean => {
    // iterative DFS to stay safe on large images
    const stackT: number[] = [t];
    const stackK: number[] = [0];
    const via: number[] = [];
    while (stackT.length > 0) {
      const d = stackT.length - 1;
      const u = stackT[d];
      const k = stackK[d];
      if (k >= adj[u].length) {
        stackT.pop();
        stackK.pop();
        via.pop();
        continue;
      }
      stackK[d] = k + 1;
      const p = adj[u][k];
      if (visited[p] === stamp) continue;
      visited[p] = stamp;
      via[d] = p;
      if (matchP[p] < 0) {
        for (let j = 0; j <= d; j++) matchP[via[j]] = stackT[j];
        return true;
      }
      stackT.push(matchP[p]);
      stackK.push(0);
    }
    return false;
  };
  for (let t = 1; t <= iou.nTrue; t++) {
    if (adj[t].length === 0) continue;
    stamp++;
    if (stamp === 0xffffffff) {
      visited = new Uint32Array(iou.nPred + 1);
      stamp = 1;
    }
    if (tryAugment(t)) count++;
  }
  return count;
}

/**
 * AP, tp, fp, fn per image pair and IoU threshold. Masks are counted as their MAX label, like
 * Cellpose: renumber labels consecutively first or gaps count as misses.
 */
export function averagePrecision(
  trueMasks: readonly LabelImage[],
  predMasks: readonly LabelImage[],
  thresholds: readonly number[] = [0.5, 0.75, 0.9],
): ApResult {
  if (trueMasks.length !== predMasks.length) {
    throw new RangeError(`averagePrecision: ${trueMasks.length} true images but ${predMasks.length} predicted`);
  }
  const res: ApResult = { ap: [], tp: [], fp: [], fn: [] };
  for (let n = 0; n < trueMasks.length; n++) {
    const iou = sparseIou(trueMasks[n], predMasks[n]);
    const ap: number[] = [];
    const tp: number[] = [];
    const fp: number[] = [];
    const fn: number[] = [];
    for (const th of thresholds) {
      const t = iou.nPred === 0 ? 0 : maxMatching(iou, th);
      const f = iou.nPred - t;
      const m = iou.nTrue - t;
      tp.push(t);
      fp.push(f);
      fn.push(m);
      ap.push(t / (t + f + m));
    }
    res.ap.push(ap);
    res.tp.push(tp);
    res.fp.push(fp);
    res.fn.push(fn);
  }
  return res;
}
