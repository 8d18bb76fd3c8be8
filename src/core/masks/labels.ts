// Label images as Cellpose holds them: 0 = background, positive integers = masks, row-major with
// an explicit shape (Ly, Lx) or (Lz, Ly, Lx).

export type LabelImage = Uint8Array | Uint16Array | Uint32Array | Int32Array;

/** Shape of a 2-D (Ly, Lx) or 3-D (Lz, Ly, Lx) label image. */
export type LabelShape = readonly [number, number] | readonly [number, number, number];

/** (Lz, Ly, Lx) of a 2-D or 3-D shape; a 2-D image is one plane. */
export function asVolumeShape(shape: readonly number[]): [number, number, number] {
  if (shape.length === 2) return [1, shape[0], shape[1]];
  if (shape.length === 3) return [shape[0], shape[1], shape[2]];
  throw new RangeError(`label image must be 2-D or 3-D, got shape [${shape.join(', ')}]`);
}

/** Throws a clear error when the data does not match the shape or the shape is not usable. */
export function checkLabelShape(name: string, length: number, shape: readonly number[]): void {
  if (shape.length !== 2 && shape.length !== 3) {
    throw new RangeError(`${name}: expected a 2-D or 3-D shape, got [${shape.join(', ')}]`);
  }
  let n = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 1) throw new RangeError(`${name}: bad shape [${shape.join(', ')}]`);
    n *= d;
  }
  if (n !== length) throw new RangeError(`${name}: data length ${length} does not match shape [${shape.join(', ')}]`);
}

/** Largest label value (0 for an empty image). */
export function maxLabel(masks: LabelImage): number {
  let m = 0;
  for (let i = 0; i < masks.length; i++) if (masks[i] > m) m = masks[i];
  return m;
}

/** uint16 when the labels fit (Cellpose: fewer than 65,536 masks), else uint32. */
export function toMaskDType(masks: LabelImage): Uint16Array | Uint32Array {
  const m = maxLabel(masks);
  if (m < 65536) return masks instanceof Uint16Array ? masks : Uint16Array.from(masks);
  return masks instanceof Uint32Array ? masks : Uint32Array.from(masks);
}
