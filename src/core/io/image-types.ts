// What an image decoder returns, and how its axes were assigned (GUI_AND_FORMATS B.11).
import type { DType, NdArray } from '../array/ndarray.ts';

export type AxisLetter = 'Z' | 'C' | 'Y' | 'X' | 'T';

/** Explicit axes given by the user (CLI --z_axis/--channel_axis, or the GUI's axis dialog).
 *  Indices refer to the raw array's axes as decoded (before any reordering); null = "none". */
export interface AxisOverride {
  zAxis?: number | null;
  channelAxis?: number | null;
}

export interface AxisAssignment {
  /** Shape of the raw decoded array, before reordering. */
  rawShape: number[];
  /** One letter per raw axis, e.g. ['Z', 'C', 'Y', 'X']. */
  axes: AxisLetter[];
  /** Where the assignment came from. */
  source: 'metadata' | 'guess' | 'override';
  /** True when the guess could reasonably have been different (the GUI then asks the user). */
  ambiguous: boolean;
  /** Human summary, e.g. "Z=24, C=2, 512x512". */
  description: string;
}

/** A decoded image, reordered to (Z, Y, X, C), row-major, in its original dtype. */
export interface ImageStack {
  data: NdArray;
  nZ: number;
  height: number;
  width: number;
  nChannels: number;
  dtype: DType;
  assignment: AxisAssignment;
  format: 'tiff' | 'png' | 'jpeg';
  /** Minimum and maximum over all pixels (NaN-free). */
  minValue: number;
  maxValue: number;
  /** Non-fatal notes for the user (e.g. "file is a PNG although named .tif"). */
  warnings: string[];
}
