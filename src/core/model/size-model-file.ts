// The size model file (`size_<model>.npy` / `<model path>_size.npy`, ALGORITHMS.md 1.6 and 1.9):
// np.save of a dict {'A': regression weights (256,), 'smean': mean style (256,) float32,
// 'diam_mean': float, 'ymean': float}, written by Cellpose's SizeModel training.
import { getNumber, type NdArray } from '../array/ndarray.ts';
import { FormatError } from '../errors.ts';
import { npyItem, readNpy } from '../io/npy.ts';
import { isNdArray, NumpyScalar, PyDict, PyFloat, type PyValue } from '../io/pickle/values.ts';

export interface SizeModelFile {
  A: Float64Array;
  smean: Float32Array;
  diamMean: number;
  ymean: number;
}

function vector(d: PyDict, key: string): NdArray {
  const v = d.get(key);
  if (!isNdArray(v)) throw new FormatError(`size model has no '${key}' array`);
  if (v.dtype !== 'float32' && v.dtype !== 'float64') throw new FormatError(`size model '${key}' has dtype ${v.dtype}, expected float`);
  return v;
}

function scalar(d: PyDict, key: string): number {
  const v: PyValue | undefined = d.get(key);
  let x: number | null = null;
  if (typeof v === 'number') x = v;
  else if (v instanceof PyFloat) x = v.value;
  else if (v instanceof NumpyScalar) x = Number(v.value);
  else if (isNdArray(v) && v.data.length === 1) x = getNumber(v, 0); // a 0-d or (1,) array/tensor value
  if (x === null || !Number.isFinite(x)) throw new FormatError(`size model '${key}' is not a finite number`);
  return x;
}

/** Read a Cellpose size-model .npy. */
export function readSizeModel(bytes: Uint8Array): SizeModelFile {
  const d = npyItem(readNpy(bytes));
  if (!(d instanceof PyDict)) throw new FormatError('size model file does not hold a dict');
  const A = vector(d, 'A');
  const smean = vector(d, 'smean');
  if (A.data.length !== smean.data.length) throw new FormatError(`size model 'A' has ${A.data.length} values but 'smean' ${smean.data.length}`);
  return {
    A: Float64Array.from(A.data as Float32Array | Float64Array),
    smean: Float32Array.from(smean.data as Float32Array | Float64Array),
    diamMean: scalar(d, 'diam_mean'),
    ymean: scalar(d, 'ymean'),
  };
}
