// Flow-error quality control (Cellpose remove_bad_flow_masks / metrics.flow_error, ALGORITHMS.md
// 5.4, 2-D only): masks whose recomputed heat-diffusion flows disagree with the network's flows are
// deleted. Labels are not renumbered here, as in Cellpose.
import type { LabelImage } from '../masks/labels.ts';
import { findObjects } from '../masks/find-objects.ts';
import { DiffusionScratch, diffuseMaskCpu, masksToFlows2D, type FlowOptions } from './masks-to-flows.ts';

/**
 * err[l - 1] for l = 1..max label: mean over the pixels of l of (mu_y - dY/5)^2 plus the same for
 * x, float64; NaN for a label with no pixels. dP is the raw network flow (2, Ly, Lx) (x5 scale).
 */
export function flowErrors(masks: LabelImage, dP: Float32Array, shape: readonly [number, number], opts: FlowOptions = {}): Float64Array {
  const [ly, lx] = shape;
  const plane = ly * lx;
  if (masks.length !== plane || dP.length !== 2 * plane) {
    throw new RangeError(`flowErrors: masks (${masks.length}) and dP (${dP.length}) do not match shape [${ly}, ${lx}]`);
  }
  if ((opts.variant ?? 'cpu') === 'cpu') return flowErrorsPerMask(masks, dP, lx, plane, opts);
  let max = 0;
  for (let i = 0; i < plane; i++) if (masks[i] > max) max = masks[i];
  const mu = masksToFlows2D(masks, ly, lx, opts);
  const sumY = new Float64Array(max + 1);
  const sumX = new Float64Array(max + 1);
  const count = new Float64Array(max + 1);
  for (let i = 0; i < plane; i++) {
    const l = masks[i];
    if (l === 0) continue;
    // dP/5 is a float32 array in Cellpose (float32 / Python float stays float32)
    const ey = mu[i] - Math.fround(dP[i] / 5);
    const ex = mu[plane + i] - Math.fround(dP[plane + i] / 5);
    sumY[l] += ey * ey;
    sumX[l] += ex * ex;
    count[l]++;
  }
  const err = new Float64Array(max);
  for (let l = 1; l <= max; l++) err[l - 1] = sumY[l] / count[l] + sumX[l] / count[l];
  return err;
}

/**
 * CPU variant: each mask's flows depend on that mask alone, so its error is summed straight from
 * its local heat grid (no whole-image flow array). A mask's pixels are visited in raster order, the
 * order of Cellpose's per-label sums, so the float64 results are the same bits. With opts.objects
 * only the present labels of rank [from, to) get an error, the others NaN (the caller merges parts).
 */
function flowErrorsPerMask(masks: LabelImage, dP: Float32Array, lx: number, plane: number, opts: FlowOptions): Float64Array {
  const boxes = findObjects(masks, [plane / lx, lx]);
  const nObj = boxes.labels.length;
  const max = nObj > 0 ? boxes.labels[nObj - 1] : 0;
  const err = new Float64Array(max).fill(NaN);
  const scratch = new DiffusionScratch();
  const [from, to] = opts.objects ?? [0, nObj];
  for (let k = Math.max(0, from); k < Math.min(nObj, to); k++) {
    const label = boxes.labels[k];
    const box = { y0: boxes.y0[k], x0: boxes.x0[k], h: boxes.y1[k] - boxes.y0[k], w: boxes.x1[k] - boxes.x0[k], count: boxes.count[k] };
    err[label - 1] = maskFlowError(masks, dP, lx, label, box, opts, scratch);
  }
  return err;
}

/**
 * The CPU-variant flow error of one mask (its tight box y0, x0, h x w and pixel count): its heat
 * field from its local grid, summed over its pixels in raster order (Cellpose's order), float64.
 */
export function maskFlowError(
  masks: LabelImage,
  dP: Float32Array,
  lx: number,
  label: number,
  box: { y0: number; x0: number; h: number; w: number; count: number },
  opts: FlowOptions,
  scratch: DiffusionScratch,
): number {
  const plane = dP.length / 2;
  const { y0, x0 } = box;
  const { T, cols, m } = diffuseMaskCpu(masks, lx, label, box, opts.centre ?? 'v3', opts.niter, scratch);
  const idx = scratch.idx;
  let sumY = 0;
  let sumX = 0;
  for (let j = 0; j < m; j++) {
    const li = idx[j];
    const dy = T[li + cols] - T[li - cols];
    const dx = T[li + 1] - T[li - 1];
    const norm = 1e-60 + Math.sqrt(dy * dy + dx * dx);
    const yy = ((li / cols) | 0) - 1;
    const gi = (y0 + yy) * lx + x0 + (li - (yy + 1) * cols - 1);
    const ey = dy / norm - Math.fround(dP[gi] / 5);
    const ex = dx / norm - Math.fround(dP[plane + gi] / 5);
    sumY += ey * ey;
    sumX += ex * ex;
  }
  return sumY / m + sumX / m;
}

/** A copy of masks with every label whose flow error exceeds flowThreshold (strictly) set to 0. */
export function removeBadFlowMasks<T extends LabelImage>(masks: T, dP: Float32Array, shape: readonly [number, number], flowThreshold: number, opts: FlowOptions = {}): T {
  const err = flowErrors(masks, dP, shape, opts);
  const out = masks.slice() as T;
  for (let i = 0; i < out.length; i++) {
    const l = out[i];
    if (l > 0 && err[l - 1] > flowThreshold) out[i] = 0;
  }
  return out;
}
