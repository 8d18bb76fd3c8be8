// The size model `<model>_size.npy` (a pickled dict, read by core/model/size-model-file.ts) as
// the pipeline's SizeModel.
import { readSizeModel } from '../../core/model/size-model-file.ts';
import type { SizeModel } from '../../core/pipeline/segment.ts';
import type { SizeModelReader } from './load-model.ts';

export const readPipelineSizeModel: SizeModelReader = (bytes: Uint8Array): SizeModel => {
  const f = readSizeModel(bytes);
  return { A: Float64Array.from(f.A), smean: Float64Array.from(f.smean), diamMeanPx: f.diamMean, ymean: f.ymean };
};

/** Kept for callers that want the reader lazily. */
export async function sizeModelReader(): Promise<SizeModelReader> {
  return readPipelineSizeModel;
}
