// The shape of a Cellpose 3 CPnet, read from its state-dict tensors (ALGORITHMS.md 1.1, 1.5).
// Only the tensor shapes are trusted: nchan, nout and every channel width come from them, so
// user models with other widths (nbase variants) or 1-3 input channels are handled.
import type { TensorHeader } from '../io/torch-checkpoint.ts';
import { FormatError } from '../errors.ts';

export interface CpnetSpec {
  /** Input channels (2 for every built-in segmentation model). */
  nchan: number;
  /** Output channels (3 = dY, dX, cellprob). */
  nout: number;
  /** Encoder widths [nchan, w1, ..., wL]. */
  nbase: number[];
  /** Number of down/up levels L (4 for Cellpose). */
  levels: number;
  /** Style vector length = nbase[L]. */
  styleDim: number;
  /** Object diameter in pixels the net was trained at (undefined when the file has none). */
  diamMeanPx: number | undefined;
  /** Mean training diameter before rescale (undefined when the file has none). */
  diamLabelsPx: number | undefined;
}

const downKey = (k: number, rest: string): string => `downsample.down.res_down_${k}.${rest}`;

/** The tensor `key`, checked for rank and a float dtype: a full NdArray from readTorchStateDict, or
 *  a header (shape and dtype) from readTorchStateDictHeaders. */
export function requireTensor<T extends TensorHeader>(tensors: ReadonlyMap<string, T>, key: string, rank: number): T {
  const t = tensors.get(key);
  if (!t) throw new FormatError(`not a Cellpose CPnet checkpoint: tensor "${key}" is missing`);
  if (t.shape.length !== rank) {
    throw new FormatError(`tensor "${key}" has shape [${t.shape.join(', ')}], expected rank ${rank}`);
  }
  if (t.dtype !== 'float32' && t.dtype !== 'float64') {
    throw new FormatError(`tensor "${key}" has dtype ${t.dtype}, expected float32`);
  }
  return t;
}

function scalarOrUndefined(tensors: ReadonlyMap<string, TensorHeader>, key: string): number | undefined {
  const t = tensors.get(key);
  if (!t?.data || t.data.length < 1) return undefined;
  const v = Number(t.data[0]);
  return Number.isFinite(v) && v > 0 ? v : undefined;
}

/** The CPnet's shape from its tensors (their shapes and the two diameter scalars are all it reads). */
export function describeCpnet(tensors: ReadonlyMap<string, TensorHeader>): CpnetSpec {
  if (tensors.has('W2')) {
    throw new FormatError('this is a Cellpose 4 (cpsam) checkpoint, not a Cellpose 3 CPnet');
  }
  let levels = 0;
  while (tensors.has(downKey(levels, 'proj.1.weight'))) levels++;
  if (levels < 1) throw new FormatError(`not a Cellpose CPnet checkpoint: tensor "${downKey(0, 'proj.1.weight')}" is missing`);
  const nbase: number[] = [];
  for (let k = 0; k < levels; k++) {
    const w = requireTensor(tensors, downKey(k, 'proj.1.weight'), 4);
    if (k === 0) nbase.push(w.shape[1]);
    else if (w.shape[1] !== nbase[k]) {
      throw new FormatError(`tensor "${downKey(k, 'proj.1.weight')}" has ${w.shape[1]} input channels, expected ${nbase[k]}`);
    }
    nbase.push(w.shape[0]);
  }
  const out = requireTensor(tensors, 'output.2.weight', 4);
  const nchan = nbase[0];
  if (nchan < 1 || nchan > 16) throw new FormatError(`unsupported number of input channels ${nchan}`);
  return {
    nchan,
    nout: out.shape[0],
    nbase,
    levels,
    styleDim: nbase[levels],
    diamMeanPx: scalarOrUndefined(tensors, 'diam_mean'),
    diamLabelsPx: scalarOrUndefined(tensors, 'diam_labels'),
  };
}
