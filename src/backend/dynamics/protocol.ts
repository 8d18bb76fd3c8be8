// Messages between the dynamics pool and its workers. Big arrays travel as SharedArrayBuffer views
// (the flow field, read by every worker) or as transferred buffers (results).
import type { ComputeMasksOptions, ResizeAndComputeOptions } from '../../core/dynamics/compute-masks.ts';
import type { MaskBoxes, MaskPartsResult } from '../../core/dynamics/mask-parts.ts';
import type { CentreRule, FlowVariant, FollowMethod } from '../../core/dynamics/profiles.ts';

export interface FollowTask {
  kind: 'follow';
  field: Float32Array;
  shape: number[];
  inds: Int32Array;
  niter: number;
  method: FollowMethod;
  start: number;
  end: number;
}

/** followFlowsTracked on the points inds[start, end): (4, n) rows y, x, lo, hi. */
export interface FollowTrackedTask {
  kind: 'follow-tracked';
  field: Float32Array;
  shape: number[];
  inds: Int32Array;
  niter: number;
  blockLo: Float32Array;
  blockHi: Float32Array;
  start: number;
  end: number;
}

/** get_masks (+ 2-D flow QC) on the final positions. */
export interface ClusterTask {
  kind: 'cluster';
  p: Float32Array;
  inds: Int32Array;
  shape: number[];
  dP: Float32Array;
  opts: Omit<ComputeMasksOptions, 'signal'>;
}

/** Flow errors (5.4) of the masks of rank [from, to) (CPU variant) or of all (GPU variant). */
export interface QcTask {
  kind: 'qc';
  labels: Uint16Array | Uint32Array;
  shape: [number, number];
  dP: Float32Array;
  variant: FlowVariant;
  centre: CentreRule;
  objects?: [number, number];
}

/** Nearest resize back + hole filling + min size; first, labels flagged in `drop` are set to 0. */
export interface FinishTask {
  kind: 'finish';
  labels: Uint16Array | Uint32Array;
  shape: number[];
  opts: Omit<ResizeAndComputeOptions, 'signal'>;
  /** drop[l] = 1: label l failed the flow QC (cached errors, new flow threshold). */
  drop?: Uint8Array;
}

/** get_masks (2-D) into shared memory, with the boxes of its labels: the input of the per-mask tasks. */
export interface ClusterPartsTask {
  kind: 'cluster-parts';
  p: Float32Array;
  inds: Int32Array;
  shape: [number, number];
  maxSizeFraction: number;
}

/** A get_masks result in shared memory: labels 1..n (before QC) and their boxes. */
export interface ClusterParts {
  labels: Uint16Array | Uint32Array;
  boxes: MaskBoxes;
}

/** Flow errors (when dP is given, CPU variant) and holes of the labels from + 1 .. to. */
export interface MaskPartsTask {
  kind: 'mask-parts';
  labels: Uint16Array | Uint32Array;
  shape: [number, number];
  boxes: MaskBoxes;
  from: number;
  to: number;
  dP?: Float32Array;
  centre: CentreRule;
}

/** Fill + min size from the per-mask parts (the general fill when a hole holds a kept mask). */
export interface FinishPartsTask {
  kind: 'finish-parts';
  labels: Uint16Array | Uint32Array;
  shape: [number, number];
  boxes: MaskBoxes;
  holeStart: Int32Array;
  holePixels: Int32Array;
  drop?: Uint8Array;
  minSize: number;
  legacyV31MinSize: boolean;
}

export type DynamicsTask = FollowTask | FollowTrackedTask | ClusterTask | QcTask | FinishTask | ClusterPartsTask | MaskPartsTask | FinishPartsTask;

export type DynamicsResult = Float32Array | Float64Array | Uint16Array | Uint32Array | ClusterParts | MaskPartsResult;

export interface TaskMessage {
  id: number;
  task: DynamicsTask;
}

export type ResultMessage =
  | { id: number; ok: true; result: DynamicsResult }
  | { id: number; ok: false; error: { name: string; message: string } };
