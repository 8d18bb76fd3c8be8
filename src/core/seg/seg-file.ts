// The typed view of a Cellpose `_seg.npy` (GUI_AND_FORMATS.md B.2-B.4, B.10). Every layout that
// Cellpose 2.x-4.x writes reads into this one shape; writers turn it back into the CLI or GUI
// key set.
import type { NdArray } from '../array/ndarray.ts';
import type { PyDict, PyValue } from '../io/pickle/values.ts';

/** Which writer produced the file, judged from its keys and flows (B.2/B.3 tables). */
export type SegLayout = 'cli' | 'gui3' | 'gui4' | 'legacy2' | 'unknown';

export type LabelArray = NdArray<'uint16'> | NdArray<'uint32'>;

/** The flow arrays found in `flows`, identified by dtype and shape, not list position (B.3). */
export interface SegFlows {
  /** Flow picture, u1 (Lz|1, Ly, Lx, 3). */
  rgb?: NdArray<'uint8'>;
  /** Cellprob picture, u1 (Lz|1, Ly, Lx): normalize99 clipped to [0,1] x 255. */
  cellprobU8?: NdArray<'uint8'>;
  /** 3-D only: dZ picture u1 (Lz, Ly, Lx) = dZ/10*127+127. */
  dZU8?: NdArray<'uint8'>;
  /** Raw flows f4: (2, Ly, Lx) = [dY, dX] or (3, Lz, Ly, Lx) = [dZ, dY, dX]. */
  dP?: NdArray<'float32'>;
  /** Raw cellprob logits f4: (Ly, Lx) or (Lz, Ly, Lx). */
  cellprob?: NdArray<'float32'>;
  /** Pixel destinations of old (<= 3.0.x) CLI files, f4 (2|3, ...); informational only. */
  pixelDestinations?: NdArray<'float32'>;
}

/** One entry of `zdraw` (3-D GUI): null, -1 (from a model or file), or the planes drawn by hand. */
export type ZDrawEntry = null | number | number[];

export interface SegFile {
  /** Labels 0 = background, 1..nMasks contiguous; (Ly, Lx) or (Lz, Ly, Lx). */
  masks: LabelArray;
  /** Stored outline image (label id on outline pixels), or null when it must be recomputed (renumbered or legacy polygons). */
  outlines: LabelArray | null;
  nMasks: number;
  is3D: boolean;
  /** (nMasks, 3) u1, only when the stored table matched the mask count (B.4.6). */
  colors: NdArray<'uint8'> | null;
  /** nMasks entries 0/1 (all 0 when the stored list did not match, B.4.7). */
  ismanual: Uint8Array;
  zdraw: ZDrawEntry[] | null;
  flows: SegFlows;
  diameter: number | null;
  filename: string | null;
  /** The model used (a name or path), or null (Cellpose stores int 0 when no model ran). */
  modelPath: string | null;
  flowThreshold: number | null;
  cellprobThreshold: number | null;
  normalizeParams: PyDict | null;
  chanChoose: [number, number] | null;
  currentChannel: number | null;
  /** The GUI edit log, kept as read ([date, 'added mask'|'removed mask', [rows, cols]] entries). */
  manualChanges: PyValue[];
  restore: string | null;
  ratio: number | null;
  imgRestore: NdArray | null;
  /** Image embedded by old writers (GUI <= 2.2.2, CLI <= 3.0.4). */
  img: NdArray | null;
  layout: SegLayout;
  /** Keys this schema does not know, kept so a re-save does not lose them. */
  extra: PyDict;
  /** What the loader changed or ignored, for the log (renumbered ids, mismatched colours...). */
  notes: string[];
}
