// compute_masks with the Euler integration split across the dynamics pool. The stages are the
// core ones (prepareDynamics -> followFlows on ranges -> masksFromPositions -> finishMasks), so the
// result is identical to the single-threaded core path.
import { followMethodFor, prepareDynamics, type ComputeMasksOptions, type ResizeAndComputeOptions } from '../../core/dynamics/compute-masks.ts';
import type { FollowInput } from '../../core/dynamics/follow-flows.ts';
import { mergeMaskParts, type MaskPartsResult } from '../../core/dynamics/mask-parts.ts';
import { profileSettings, type DynamicsProfile } from '../../core/dynamics/profiles.ts';
import { badFlowLabels } from '../../core/dynamics/rethreshold.ts';
import type { DynamicsPool } from './pool.ts';
import type { ClusterParts } from './protocol.ts';

export interface PoolProgress {
  onProgress?: (fraction: number, stage: string) => void;
  signal?: AbortSignal;
}

export function shared<T extends Float32Array | Int32Array | Uint16Array | Uint32Array>(a: T): T {
  if (a.buffer instanceof SharedArrayBuffer) return a;
  const Ctor = a.constructor as new (b: SharedArrayBuffer) => T;
  const s = new Ctor(new SharedArrayBuffer(a.byteLength));
  s.set(a);
  return s;
}

export function checkAbort(signal: { readonly aborted: boolean } | undefined): void {
  if (signal?.aborted) {
    const e = new Error('cancelled');
    e.name = 'AbortError';
    throw e;
  }
}

/** Final positions (nd, n) of every foreground pixel, computed in parallel chunks. */
export async function followInPool(pool: DynamicsPool, input: FollowInput, progress: PoolProgress = {}): Promise<Float32Array> {
  const n = input.inds.length;
  const nd = input.shape.length;
  const field = shared(input.field);
  const inds = shared(input.inds);
  // A few chunks per worker evens out points that stop early.
  const nChunks = Math.max(1, Math.min(Math.ceil(n / 2048), pool.size * 4));
  const bounds: number[] = [];
  for (let c = 0; c <= nChunks; c++) bounds.push(Math.round((c * n) / nChunks));
  const p = new Float32Array(nd * n);
  let done = 0;
  await Promise.all(
    bounds.slice(0, -1).map(async (start, c) => {
      const end = bounds[c + 1];
      if (end <= start) return;
      checkAbort(progress.signal);
      const part = (await pool.run({ kind: 'follow', field, shape: [...input.shape], inds, niter: input.niter, method: input.method, start, end })) as Float32Array;
      const m = end - start;
      for (let a = 0; a < nd; a++) p.set(part.subarray(a * m, (a + 1) * m), a * n + start);
      done += m;
      progress.onProgress?.(done / n, 'follow flows');
    }),
  );
  checkAbort(progress.signal);
  return p;
}

/**
 * followFlowsTracked (2-D pixel-bilinear) of the points `input.inds`, split across the pool:
 * (4, n) rows y, x, lo, hi (see core/dynamics/rethreshold.ts).
 */
export async function followTrackedInPool(
  pool: DynamicsPool,
  input: FollowInput,
  blocks: { lo: Float32Array; hi: Float32Array },
  progress: PoolProgress = {},
): Promise<Float32Array> {
  const n = input.inds.length;
  const field = shared(input.field);
  const inds = shared(input.inds);
  const blockLo = shared(blocks.lo);
  const blockHi = shared(blocks.hi);
  const nChunks = Math.max(1, Math.min(Math.ceil(n / 2048), pool.size * 4));
  const out = new Float32Array(4 * n);
  let done = 0;
  await Promise.all(
    Array.from({ length: nChunks }, async (_, c) => {
      const start = Math.round((c * n) / nChunks);
      const end = Math.round(((c + 1) * n) / nChunks);
      if (end <= start) return;
      checkAbort(progress.signal);
      const part = (await pool.run({ kind: 'follow-tracked', field, shape: [...input.shape], inds, niter: input.niter, blockLo, blockHi, start, end })) as Float32Array;
      const m = end - start;
      for (let a = 0; a < 4; a++) out.set(part.subarray(a * m, (a + 1) * m), a * n + start);
      done += m;
      progress.onProgress?.(done / n, 'follow flows');
    }),
  );
  checkAbort(progress.signal);
  return out;
}

/**
 * get_masks in a worker (labels before QC), then, in 2-D with QC on, the flow error of every label
 * (null otherwise). With the CPU flow variant the masks are split across the workers (each mask's
 * flows depend only on itself); the GPU variant needs the whole image and runs as one task.
 */
export async function clusterWithErrorsInPool(
  pool: DynamicsPool,
  p: Float32Array,
  input: FollowInput,
  dP: Float32Array,
  opts: ComputeMasksOptions,
): Promise<{ labels: Uint16Array | Uint32Array; errors: Float64Array | null }> {
  const { signal, ...plain } = opts;
  const pCopy = p.slice();
  const shape = [...input.shape];
  const labels = (await pool.run({ kind: 'cluster', p: pCopy, inds: shared(input.inds), shape, dP: new Float32Array(0), opts: { ...plain, flowThreshold: 0 } }, [pCopy.buffer])) as
    | Uint16Array
    | Uint32Array;
  const flowThreshold = opts.flowThreshold ?? 0.4;
  if (shape.length !== 2 || !(flowThreshold > 0)) return { labels, errors: null };
  checkAbort(signal);
  return { labels, errors: await flowErrorsInPool(pool, labels, dP, [shape[0], shape[1]], opts.profile ?? 'v3-cpu') };
}

/**
 * Flow error of every label 1..max of a 2-D label image from get_masks (numbered 1..N), err[l - 1];
 * null when there are no labels. CPU flow variant: the masks are split across the workers.
 */
export async function flowErrorsInPool(pool: DynamicsPool, labels: Uint16Array | Uint32Array, dP: Float32Array, shape: [number, number], profile: DynamicsProfile): Promise<Float64Array | null> {
  let max = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i] > max) max = labels[i];
  if (max === 0) return null;
  // get_masks numbers labels 1..N consecutively, so the number of objects is the max label
  const nObj = max;
  const s = profileSettings(profile);
  const sharedLabels = shared(labels);
  const sharedDP = shared(dP);
  // one part per worker: each part re-scans the whole image, so more parts cost more than they balance
  const parts = s.flowVariant === 'cpu' ? Math.min(nObj, pool.size) : 1;
  const errs = await Promise.all(
    Array.from({ length: parts }, (_, k) => {
      const from = Math.floor((k * nObj) / parts);
      const to = Math.floor(((k + 1) * nObj) / parts);
      return pool.run({
        kind: 'qc',
        labels: sharedLabels,
        shape,
        dP: sharedDP,
        variant: s.flowVariant,
        centre: s.centre,
        objects: parts > 1 ? [from, to] : undefined,
      }) as Promise<Float64Array>;
    }),
  );
  const errors = new Float64Array(max).fill(NaN);
  for (const err of errs) for (let l = 0; l < max; l++) if (!Number.isNaN(err[l])) errors[l] = err[l];
  return errors;
}

/** Resize back, fill holes, min size, in a worker; labels flagged in `drop` are removed first. */
export async function finishInPool(
  pool: DynamicsPool,
  labels: Uint16Array | Uint32Array,
  shape: readonly number[],
  opts: ResizeAndComputeOptions,
  drop?: Uint8Array | null,
): Promise<Uint16Array | Uint32Array> {
  const { signal: _signal, ...plain } = opts;
  const copy = labels.slice();
  const task = { kind: 'finish' as const, labels: copy, shape: [...shape], opts: { ...plain, outShape: plain.outShape ? [...plain.outShape] : undefined }, drop: drop ?? undefined };
  return (await pool.run(task, [copy.buffer])) as Uint16Array | Uint32Array;
}

/** get_masks (2-D) in a worker into shared memory, with the boxes of its labels. `p` is transferred. */
export async function clusterPartsInPool(pool: DynamicsPool, p: Float32Array, inds: Int32Array, shape: readonly [number, number], maxSizeFraction = 0.4): Promise<ClusterParts> {
  return (await pool.run({ kind: 'cluster-parts', p, inds: shared(inds), shape: [shape[0], shape[1]], maxSizeFraction }, [p.buffer as ArrayBuffer])) as ClusterParts;
}

/**
 * Flow errors (when `dP` is given; null otherwise) and holes of every label of a get_masks result.
 * The masks are split into ranges of about equal work (pixels x diffusion steps) over the workers;
 * the GPU flow variant needs the whole image, so its errors are one more task beside them.
 */
export async function maskPartsInPool(pool: DynamicsPool, parts: ClusterParts, shape: readonly [number, number], dP: Float32Array | null, profile: DynamicsProfile): Promise<MaskPartsResult> {
  const { boxes } = parts;
  const n = boxes.n;
  const s = profileSettings(profile);
  const cpuErrors = dP !== null && s.flowVariant === 'cpu';
  const sharedDP = dP ? shared(dP) : null;
  // CPU-variant diffusion runs 2 (h + w + 4) steps over the mask's pixels
  const cost = new Float64Array(n + 1);
  for (let k = 0; k < n; k++) {
    const perimeter = boxes.y1[k] - boxes.y0[k] + boxes.x1[k] - boxes.x0[k] + 4;
    cost[k + 1] = cost[k] + boxes.count[k] * (cpuErrors ? perimeter : 1);
  }
  // two ranges per worker even out a worker that gets less of a core
  const nParts = Math.max(1, Math.min(n, 2 * pool.size));
  const cuts = [0];
  for (let c = 1; c < nParts; c++) {
    const target = (cost[n] * c) / nParts;
    let k = cuts[cuts.length - 1];
    while (k < n && cost[k] < target) k++;
    cuts.push(k);
  }
  cuts.push(n);
  const tasks = cuts.slice(0, -1).map((from, c) =>
    pool.run({ kind: 'mask-parts', labels: parts.labels, shape: [shape[0], shape[1]], boxes, from, to: cuts[c + 1], dP: cpuErrors && sharedDP ? sharedDP : undefined, centre: s.centre }),
  ) as Array<Promise<MaskPartsResult>>;
  const gpuErrors =
    dP !== null && !cpuErrors && sharedDP && n > 0
      ? (pool.run({ kind: 'qc', labels: parts.labels, shape: [shape[0], shape[1]], dP: sharedDP, variant: s.flowVariant, centre: s.centre }) as Promise<Float64Array>)
      : null;
  const merged = mergeMaskParts(await Promise.all(tasks), n);
  if (gpuErrors) merged.errors = await gpuErrors;
  return merged;
}

/** Fill + min size (5.5) from the per-mask parts in a worker; labels flagged in `drop` go first. */
export async function finishPartsInPool(
  pool: DynamicsPool,
  parts: ClusterParts,
  holes: MaskPartsResult,
  shape: readonly [number, number],
  opts: Pick<ResizeAndComputeOptions, 'minSize' | 'legacyV31MinSize'>,
  drop?: Uint8Array | null,
): Promise<Uint16Array | Uint32Array> {
  return (await pool.run({
    kind: 'finish-parts',
    labels: parts.labels,
    shape: [shape[0], shape[1]],
    boxes: parts.boxes,
    holeStart: holes.holeStart,
    holePixels: holes.holePixels,
    drop: drop ?? undefined,
    minSize: opts.minSize ?? 15,
    legacyV31MinSize: opts.legacyV31MinSize ?? false,
  })) as Uint16Array | Uint32Array;
}

/** True when the per-mask 2-D path applies: 2-D and no resize back to another shape. */
function perMaskPath(shape: readonly number[], opts: ResizeAndComputeOptions): shape is readonly [number, number] {
  return shape.length === 2 && (!opts.outShape || opts.outShape.join(',') === shape.join(','));
}

/**
 * resize_and_compute_masks on the pool: dP (2|3, ...shape), cellprob (...shape) -> final labels.
 * The caller's arrays are not modified.
 */
export async function computeMasksInPool(
  pool: DynamicsPool,
  dP: Float32Array,
  cellprob: Float32Array,
  shape: readonly number[],
  opts: ResizeAndComputeOptions = {},
  progress: PoolProgress = {},
): Promise<Uint16Array | Uint32Array> {
  const method = followMethodFor(opts.profile ?? 'v3-cpu', shape.length, opts.interp ?? true);
  // the field goes straight into shared memory: every worker reads it, nothing is copied
  const input = prepareDynamics(dP, cellprob, shape, opts.cellprobThreshold ?? 0, opts.niter ?? 200, method, (n) => new Float32Array(new SharedArrayBuffer(4 * n)));
  let labels: Uint16Array | Uint32Array;
  // masks failing the flow QC, removed by the fill's worker
  let drop: Uint8Array | null = null;
  if (!input) {
    let vol = 1;
    for (const d of shape) vol *= d;
    labels = new Uint16Array(vol);
  } else if (perMaskPath(shape, opts)) {
    const p = await followInPool(pool, input, progress);
    progress.onProgress?.(1, 'get masks');
    const parts = await clusterPartsInPool(pool, p, input.inds, shape, opts.maxSizeFraction ?? 0.4);
    checkAbort(progress.signal);
    const flowThreshold = opts.flowThreshold ?? 0.4;
    const holes = await maskPartsInPool(pool, parts, shape, flowThreshold > 0 ? dP : null, opts.profile ?? 'v3-cpu');
    checkAbort(progress.signal);
    progress.onProgress?.(1, 'fill holes');
    return finishPartsInPool(pool, parts, holes, shape, opts, badFlowLabels(holes.errors, flowThreshold));
  } else {
    const p = await followInPool(pool, input, progress);
    progress.onProgress?.(1, 'get masks');
    const r = await clusterWithErrorsInPool(pool, p, input, dP, opts);
    labels = r.labels;
    drop = badFlowLabels(r.errors, opts.flowThreshold ?? 0.4);
  }
  checkAbort(progress.signal);
  progress.onProgress?.(1, 'fill holes');
  return finishInPool(pool, labels, shape, opts, drop);
}
