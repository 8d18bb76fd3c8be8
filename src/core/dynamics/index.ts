// Public API of the dynamics (ALGORITHMS.md 4-6): flows from masks, Euler integration, clustering,
// flow QC, the whole compute_masks pipeline, niter and 3-D stitching.
export { masksToFlows, masksToFlows2D, type FlowOptions } from './masks-to-flows.ts';
export { followFlows, type FollowInput } from './follow-flows.ts';
export { getMasks } from './get-masks.ts';
export { flowErrors, removeBadFlowMasks } from './flow-errors.ts';
export {
  computeMasks,
  resizeAndComputeMasks,
  prepareDynamics,
  masksFromPositions,
  finishMasks,
  followMethodFor,
  type ComputeMasksOptions,
  type ResizeAndComputeOptions,
} from './compute-masks.ts';
export { niterFor, type NiterInput } from './niter.ts';
export { stitch3D } from './stitch3d.ts';
export { profileSettings, isDynamicsProfile, type DynamicsProfile, type FollowMethod, type FlowVariant, type CentreRule } from './profiles.ts';
