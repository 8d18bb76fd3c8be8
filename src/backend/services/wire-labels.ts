// Label images arriving over the wire (masks from the renderer): checked before anything trusts
// their shape, since a wrong byte length would otherwise become an out-of-bounds view.
import type { NdArray } from '../../core/array/ndarray.ts';
import type { WireArray } from '../../shared/contract.ts';
import { BadRequestError } from './service-errors.ts';

export interface Labels {
  data: Uint8Array | Uint16Array | Uint32Array | Int32Array;
  /** (nZ, Y, X); 2-D masks arrive as (1, Y, X) or (Y, X). */
  shape: [nZ: number, height: number, width: number];
}

const LABEL_CTORS = { uint8: Uint8Array, uint16: Uint16Array, uint32: Uint32Array, int32: Int32Array } as const;

export function labelsFromWire(method: string, field: string, w: unknown): Labels {
  if (w === null || typeof w !== 'object') throw new BadRequestError(method, `"${field}" must be an array`);
  const a = w as Partial<WireArray>;
  if (!(a.data instanceof ArrayBuffer)) throw new BadRequestError(method, `"${field}.data" must be an ArrayBuffer`);
  if (!a.dtype || !Object.prototype.hasOwnProperty.call(LABEL_CTORS, a.dtype)) {
    throw new BadRequestError(method, `"${field}" has dtype ${JSON.stringify(a.dtype)}; labels are uint8, uint16, uint32 or int32`);
  }
  const shape = a.shape;
  if (!Array.isArray(shape) || (shape.length !== 2 && shape.length !== 3) || !shape.every((d) => Number.isInteger(d) && d > 0)) {
    throw new BadRequestError(method, `"${field}" shape ${JSON.stringify(shape)} must be (Y, X) or (Z, Y, X) with positive sizes`);
  }
  const Ctor = LABEL_CTORS[a.dtype as keyof typeof LABEL_CTORS];
  const n = shape.reduce((p, d) => p * d, 1);
  if (a.data.byteLength !== n * Ctor.BYTES_PER_ELEMENT) {
    throw new BadRequestError(method, `"${field}" holds ${a.data.byteLength} bytes, but shape [${shape.join(', ')}] of ${a.dtype} needs ${n * Ctor.BYTES_PER_ELEMENT}`);
  }
  const data = new Ctor(a.data);
  if (data instanceof Int32Array) for (const v of data) if (v < 0) throw new BadRequestError(method, `"${field}" has a negative label ${v}`);
  const s3: [number, number, number] = shape.length === 2 ? [1, shape[0], shape[1]] : [shape[0], shape[1], shape[2]];
  return { data, shape: s3 };
}

/** As the _seg.npy writers want them: (Y, X) for one plane unless the data is a 3-D stack. */
export function labelsAsNdArray(l: Labels, is3D: boolean): NdArray {
  const [nZ, height, width] = l.shape;
  const shape = nZ === 1 && !is3D ? [height, width] : [nZ, height, width];
  if (l.data instanceof Uint8Array) return { dtype: 'uint8', shape, data: l.data };
  if (l.data instanceof Uint16Array) return { dtype: 'uint16', shape, data: l.data };
  if (l.data instanceof Uint32Array) return { dtype: 'uint32', shape, data: l.data };
  return { dtype: 'int32', shape, data: l.data };
}
