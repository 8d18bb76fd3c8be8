// The default MasksFn: Cellpose's resize_and_compute_masks run in the calling thread (the
// backend may instead route the Euler integration through its dynamics worker pool).
import { resizeAndComputeMasks } from '../dynamics/compute-masks.ts';
import { fillHolesAndRemoveSmallMasks } from '../masks/fill-holes.ts';
import type { AbortSignalLike } from '../util/platform.ts';
import type { MasksFn, MaskParams, SegmentDeps } from './segment.ts';
import { stitch3D } from './stitch3d.ts';

/** The dynamics options of Cellpose's resize_and_compute_masks for one segment call's MaskParams. */
export function maskOptionsOf(p: MaskParams) {
  return {
    niter: p.niter,
    cellprobThreshold: p.cellprobThreshold,
    flowThreshold: p.flowThreshold,
    maxSizeFraction: p.maxSizeFraction,
    profile: p.dynamics,
    interp: p.interp,
    minSize: p.removeSmall ? p.minSize : -1,
    outShape: p.outShape,
    // Cellpose 3.1's small-mask removal after flow QC can drop the wrong labels (ALGORITHMS 5.5);
    // the reference and the issue ask for the fixed rule (v4.0.8+) by default in every profile;
    // --v31_small_masks asks for 3.1's.
    legacyV31MinSize: p.legacyV31MinSize ?? false,
  };
}

export const directMasks: MasksFn = (dP, cellprob, shape, p: MaskParams, signal?: AbortSignalLike) =>
  Promise.resolve(resizeAndComputeMasks(dP, cellprob, shape, { ...maskOptionsOf(p), signal }));

export const directDeps: SegmentDeps = {
  computeMasks: directMasks,
  stitch: stitch3D,
  // after stitching: 3-D hole filling and min_size in voxels (6.4)
  fillAndRemoveSmall3D: (m, shape, minSize, legacyV31MinSize) => fillHolesAndRemoveSmallMasks(m, shape, minSize, { legacyV31MinSize }),
};
