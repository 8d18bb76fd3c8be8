// ImageStack (from the IO codecs) -> OpenedImage (the contract's DTO): the pixel buffer crosses
// as one ArrayBuffer, plus Cellpose's auto-saturation levels.
import { channelPercentiles } from '../../core/array/stats.ts';
import type { ImageStack } from '../../core/io/image-types.ts';
import type { OpenedImage, WireArray } from '../../shared/contract.ts';

/** Cellpose's default auto-saturation percentiles (the normalisation defaults, GUI_AND_FORMATS A.3). */
export const DEFAULT_LEVEL_PERCENTILES: [number, number] = [1, 99];

/** The array's bytes as a standalone ArrayBuffer (no copy when the view already spans its buffer). */
export function ownBuffer(view: ArrayBufferView): ArrayBuffer {
  const buf = view.buffer;
  if (buf instanceof ArrayBuffer && view.byteOffset === 0 && view.byteLength === buf.byteLength) return buf;
  return new Uint8Array(buf, view.byteOffset, view.byteLength).slice().buffer;
}

export function toWireArray(a: { data: ArrayBufferView; shape: readonly number[]; dtype: WireArray['dtype'] }): WireArray {
  return { dtype: a.dtype, shape: [...a.shape], data: ownBuffer(a.data) };
}

export function toOpenedImage(
  stack: ImageStack,
  where: { path: string; name: string; segPath: string | null },
  levelPercentiles: [number, number] = DEFAULT_LEVEL_PERCENTILES,
): OpenedImage {
  // Over the whole stack, per channel: the GUI's norm3D=True default.
  // A channel without any finite pixel gets the image's (finite) range instead of NaN levels.
  const percentiles = channelPercentiles(stack.data.data, stack.nChannels, levelPercentiles).map(([lo, hi]) =>
    Number.isFinite(lo) && Number.isFinite(hi) ? ([lo, hi] as [number, number]) : ([stack.minValue, stack.maxValue] as [number, number]),
  );
  return {
    path: where.path,
    name: where.name,
    image: toWireArray(stack.data),
    nZ: stack.nZ,
    height: stack.height,
    width: stack.width,
    nChannels: stack.nChannels,
    dtype: stack.dtype,
    assignment: stack.assignment,
    minValue: stack.minValue,
    maxValue: stack.maxValue,
    percentiles,
    warnings: [...stack.warnings],
    segPath: where.segPath,
  };
}
