// Flow-error quality control (Cellpose remove_bad_flow_masks / metrics.flow_error, ALGORITHMS.md
// 5.4, 2-D only): masks whose recomputed heat-diffusion flows disagree with the network's flows are
// deleted. Labels are not renumbered here, as in Cellpose.
import type { LabelImage } from '../masks/labels.ts';
import { masksToFlows2D, type FlowOptions } from './masks-to-flows.ts';

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
  // with opts.objects only the present labels of rank [from, to) have flows; the others get NaN
  // (the caller merges the parts)
  const [from, to] = opts.objects ?? [0, Infinity];
  let rank = 0;
  for (let l = 1; l <= max; l++) {
    const inRange = count[l] > 0 && rank >= from && rank < to;
    if (count[l] > 0) rank++;
    err[l - 1] = opts.objects && !inRange ? NaN : sumY[l] / count[l] + sumX[l] / count[l];
  }
  return err;
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
