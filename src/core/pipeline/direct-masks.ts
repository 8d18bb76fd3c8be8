// The default MasksFn: Cellpose's resize_and_compute_masks run in the calling thread (the
// backend may instead route the Euler integration through its dynamics worker pool).
import { resizeAndComputeMasks } from '../dynamics/compute-masks.ts';
import { fillHolesAndRemoveSmallMasks } from '../masks/fill-holes.ts';
import type { AbortSignalLike } from '../util/platform.ts';
import type { MasksFn, MaskParams, SegmentDeps } from './segment.ts';
import { stitch3D } from './stitch3d.ts';

export const directMasks: MasksFn = (dP, cellprob, shape, p: MaskParams, signal?: AbortSignalLike) =>
  Promise.resolve(
    resizeAndComputeMasks(dP, cellprob, shape, {
      niter: p.niter,
      cellprobThreshold: p.cellprobThreshold,
      flowThreshold: p.flowThreshold,
      maxSizeFraction: p.maxSizeFraction,
      profile: p.dynamics,
      interp: p.interp,
      signal,
      minSize: p.removeSmall ? p.minSize : -1,
      outShape: p.outShape,
      // v3.1's small-mask removal after flow QC drops the wrong labels (5.5); reproduce it when
      // matching Cellpose 3, not for the v4 profile
      legacyV31MinSize: p.dynamics !== 'v4',
    }),
  );

export const directDeps: SegmentDeps = {
  computeMasks: directMasks,
  stitch: stitch3D,
  // after stitching: 3-D hole filling and min_size in voxels (6.4)
  fillAndRemoveSmall3D: (m, shape, minSize) => fillHolesAndRemoveSmallMasks(m, shape, minSize, { legacyV31MinSize: true }),
};
