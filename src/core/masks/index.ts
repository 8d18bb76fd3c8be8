// Public API of the mask utilities (ALGORITHMS.md 5.5, 7): outlines, polygons, hole filling and
// min size, renumbering, diameters, average precision.
export { masksToOutlines, labelledOutlines } from './masks-to-outlines.ts';
export { outlinesList } from './outlines-list.ts';
export { fillHolesAndRemoveSmallMasks, removeSmallMasks, type FillOptions } from './fill-holes.ts';
export { renumber, relabelSequential } from './renumber.ts';
export { diameters, type Diameters } from './diameters.ts';
export { averagePrecision, type ApResult } from './average-precision.ts';
export { findObjects, type LabelBoxes } from './find-objects.ts';
export { removeEdgeMasks } from './remove-edge-masks.ts';
export { outlinePicture } from './outline-picture.ts';
export { type LabelImage, type LabelShape, toMaskDType, maxLabel } from './labels.ts';
