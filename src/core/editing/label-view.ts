// What an edit operation may read from the document while it builds a step. Operations are pure:
// they read this view and return an EditStep; only LabelDocument writes.
import type { MaskMeta } from './edit-step.ts';

export type LabelArray = Uint16Array | Uint32Array;

export interface LabelView {
  /** (Z, Y, X) row-major; a 2-D image is one plane. */
  readonly labels: LabelArray;
  readonly nz: number;
  readonly ny: number;
  readonly nx: number;
  /** Number of masks N; ids are exactly 1..N. */
  readonly count: number;
  /** Pixel (voxel) count of an id. */
  areaOf(id: number): number;
  /**
   * A box that contains every pixel of `id` (it may be larger than the tight box after erasing):
   * [z0, z1, y0, y1, x0, x1], half-open.
   */
  boxOf(id: number): readonly [number, number, number, number, number, number];
  metaOf(id: number): MaskMeta;
}

/** Why an operation did nothing; Cellpose prints these as GUI_ERROR lines. */
export interface Rejection {
  readonly ok: false;
  readonly reason: string;
}

export function reject(reason: string): Rejection {
  return { ok: false, reason };
}
