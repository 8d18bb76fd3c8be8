// Masks from network outputs (Cellpose dynamics.compute_masks / resize_and_compute_masks,
// ALGORITHMS.md 5.1, 5.7, 6.3). The stages are exported separately so a host can run the Euler
// integration (the expensive part) in a worker pool and time each stage.
import { fillHolesAndRemoveSmallMasks } from '../masks/fill-holes.ts';
import { toMaskDType } from '../masks/labels.ts';
import { resizeNearest, resizeNearest3D } from '../transforms/resize.ts';
import { removeBadFlowMasks } from './flow-errors.ts';
import { followFlows, type FollowInput } from './follow-flows.ts';
import { getMasks } from './get-masks.ts';
import { profileSettings, throwIfCancelled, type CancelSignal, type DynamicsProfile, type FollowMethod } from './profiles.ts';

export interface ComputeMasksOptions {
  /** Euler steps (default 200; see niterFor for Cellpose's rule). */
  niter?: number;
  /** Foreground is cellprob > cellprobThreshold (strict), on the logit. Default 0. */
  cellprobThreshold?: number;
  /** Flow-error QC threshold (2-D only); 0 disables it. Default 0.4. */
  flowThreshold?: number;
  /** Masks larger than this fraction of the image are removed. Default 0.4. */
  maxSizeFraction?: number;
  /** Default 'v3-cpu'. */
  profile?: DynamicsProfile;
  /** Bilinear/trilinear dynamics (default true); false = nearest (5.2.3). */
  interp?: boolean;
  signal?: CancelSignal;
}

export interface ResizeAndComputeOptions extends ComputeMasksOptions {
  /** Pixels (voxels in 3-D); <= 0 disables removal. Default 15. */
  minSize?: number;
  /** Resize the masks back to this shape with nearest neighbour before filling (5.7). */
  outShape?: readonly number[];
  /** Reproduce Cellpose 3.1's min-size removal bug (5.5). */
  legacyV31MinSize?: boolean;
}

function checkInputs(dP: Float32Array, cellprob: Float32Array, shape: readonly number[]): number {
  if (shape.length !== 2 && shape.length !== 3) throw new RangeError(`computeMasks: shape must be 2-D or 3-D, got [${shape.join(', ')}]`);
  let vol = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 1) throw new RangeError(`computeMasks: bad shape [${shape.join(', ')}]`);
    vol *= d;
  }
  if (cellprob.length !== vol) throw new RangeError(`computeMasks: cellprob has ${cellprob.length} values, shape [${shape.join(', ')}] needs ${vol}`);
  if (dP.length !== shape.length * vol) {
    throw new RangeError(`computeMasks: dP has ${dP.length} values, expected ${shape.length} x ${vol} for shape [${shape.join(', ')}]`);
  }
  return vol;
}

/** The Euler method a profile uses for this dimensionality. */
export function followMethodFor(profile: DynamicsProfile, nd: number, interp = true): FollowMethod {
  if (!interp) return 'nearest';
  return nd === 3 ? 'grid-sample' : profileSettings(profile).follow2D;
}

/**
 * Foreground pixels and the field the dynamics follow: F = dP * (cellprob > threshold) / 5
 * (float32). Returns null when there is no foreground. NaN flows or probabilities are treated as
 * background/zero rather than poisoning the integration.
 */
export function prepareDynamics(
  dP: Float32Array,
  cellprob: Float32Array,
  shape: readonly number[],
  cellprobThreshold = 0,
  niter = 200,
  method: FollowMethod = 'pixel-bilinear',
  /** Allocates the (zeroed) field; a host may back it with shared memory for its workers. */
  alloc: (length: number) => Float32Array = (length) => new Float32Array(length),
): FollowInput | null {
  const vol = checkInputs(dP, cellprob, shape);
  const nd = shape.length;
  let n = 0;
  for (let i = 0; i < vol; i++) if (cellprob[i] > cellprobThreshold) n++;
  if (n === 0) return null;
  const inds = new Int32Array(n);
  const field = alloc(nd * vol);
  let k = 0;
  for (let i = 0; i < vol; i++) {
    if (!(cellprob[i] > cellprobThreshold)) continue;
    inds[k++] = i;
    for (let a = 0; a < nd; a++) {
      const v = dP[a * vol + i];
      field[a * vol + i] = Number.isFinite(v) ? v / 5 : 0;
    }
  }
  return { field, shape: [...shape], inds, niter, method };
}

/**
 * After the dynamics: cluster end points (get_masks), then flow-error QC in 2-D. Returns uint16
 * labels (uint32 above 65,535 masks), before hole filling and min-size removal.
 */
export function masksFromPositions(p: Float32Array, input: FollowInput, dP: Float32Array, opts: ComputeMasksOptions = {}): Uint16Array | Uint32Array {
  const shape = input.shape;
  let labels = getMasks(p, input.inds, shape, opts.maxSizeFraction ?? 0.4);
  const flowThreshold = opts.flowThreshold ?? 0.4;
  if (shape.length === 2 && flowThreshold > 0) {
    let any = false;
    for (let i = 0; i < labels.length; i++) {
      if (labels[i] > 0) {
        any = true;
        break;
      }
    }
    if (any) {
      throwIfCancelled(opts.signal);
      const s = profileSettings(opts.profile ?? 'v3-cpu');
      labels = removeBadFlowMasks(labels, dP, [shape[0], shape[1]], flowThreshold, { variant: s.flowVariant, centre: s.centre });
    }
  }
  return toMaskDType(labels);
}

/**
 * compute_masks: 2-D dP (2, Ly, Lx) or 3-D dP (3, Lz, Ly, Lx) and cellprob -> labels. 3-D uses
 * grid-sample dynamics and no flow QC (Cellpose 3.1 and 4).
 */
export function computeMasks(dP: Float32Array, cellprob: Float32Array, shape: readonly number[], opts: ComputeMasksOptions = {}): Uint16Array | Uint32Array {
  const profile = opts.profile ?? 'v3-cpu';
  const method = followMethodFor(profile, shape.length, opts.interp ?? true);
  const input = prepareDynamics(dP, cellprob, shape, opts.cellprobThreshold ?? 0, opts.niter ?? 200, method);
  let vol = 1;
  for (const d of shape) vol *= d;
  if (!input) return new Uint16Array(vol);
  throwIfCancelled(opts.signal);
  const p = followFlows(input);
  throwIfCancelled(opts.signal);
  return masksFromPositions(p, input, dP, opts);
}

/** Nearest resize back (5.7) and fill_holes_and_remove_small_masks (5.5) of computed labels. */
export function finishMasks(labels: Uint16Array | Uint32Array, shape: readonly number[], opts: ResizeAndComputeOptions = {}): Uint16Array | Uint32Array {
  let out = labels;
  let outShape: readonly number[] = shape;
  const target = opts.outShape;
  if (target && target.join(',') !== shape.join(',')) {
    if (target.length !== shape.length) throw new RangeError(`outShape [${target.join(', ')}] must have the rank of [${shape.join(', ')}]`);
    out = shape.length === 2 ? resizeNearest(out, [shape[0], shape[1]], target[0], target[1]) : resizeNearest3D(out, [shape[0], shape[1], shape[2]], target[0], target[1], target[2]);
    outShape = target;
  }
  return fillHolesAndRemoveSmallMasks(out, outShape, opts.minSize ?? 15, { legacyV31MinSize: opts.legacyV31MinSize });
}

/** resize_and_compute_masks: computeMasks, optional nearest resize to outShape, fill + min size. */
export function resizeAndComputeMasks(dP: Float32Array, cellprob: Float32Array, shape: readonly number[], opts: ResizeAndComputeOptions = {}): Uint16Array | Uint32Array {
  return finishMasks(computeMasks(dP, cellprob, shape, opts), shape, opts);
}
