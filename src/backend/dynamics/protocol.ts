// Messages between the dynamics pool and its workers. Big arrays travel as SharedArrayBuffer views
// (the flow field, read by every worker) or as transferred buffers (results).
import type { ComputeMasksOptions, ResizeAndComputeOptions } from '../../core/dynamics/compute-masks.ts';
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

export type DynamicsTask = FollowTask | FollowTrackedTask | ClusterTask | QcTask | FinishTask;

export interface TaskMessage {
  id: number;
  task: DynamicsTask;
}

export type ResultMessage =
  | { id: number; ok: true; result: Float32Array | Float64Array | Uint16Array | Uint32Array }
  | { id: number; ok: false; error: { name: string; message: string } };
