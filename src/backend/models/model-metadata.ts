// What a model file says about itself: input channels, diam_mean, diam_labels. Torch checkpoints
// are read with the core reader; an .onnx graph carries no Cellpose metadata we can rely on, so
// its fields stay null. Results are cached per (path, size, mtime) because listing reads every file.
import { readFile, stat } from 'node:fs/promises';
import { describeCellposeCheckpoint, readTorchStateDictHeaders } from '../../core/io/torch-checkpoint.ts';

export interface ModelFileMetadata {
  format: 'torch' | 'onnx';
  nChannels: number | null;
  nOut: number | null;
  /** As stored in the file (built-ins ignore it, see zooDiamMeanPx). */
  diamMeanPx: number | null;
  diamLabelsPx: number | null;
}

const cache = new Map<string, { size: number; mtimeMs: number; meta: ModelFileMetadata }>();

export function isOnnxPath(path: string): boolean {
  return path.toLowerCase().endsWith('.onnx');
}

/** Throws a plain Error naming the problem (the caller adds the file name). */
export async function readModelMetadata(path: string): Promise<ModelFileMetadata> {
  const st = await stat(path);
  if (!st.isFile()) throw new Error('not a file');
  const hit = cache.get(path);
  if (hit && hit.size === st.size && hit.mtimeMs === st.mtimeMs) return hit.meta;
  const bytes = new Uint8Array(await readFile(path));
  let meta: ModelFileMetadata;
  if (isOnnxPath(path)) {
    // ONNX protobuf: field 1 (ir_version, varint) comes first, so the first byte is 0x08.
    if (bytes.length < 2 || bytes[0] !== 0x08) throw new Error('not an ONNX model');
    meta = { format: 'onnx', nChannels: null, nOut: null, diamMeanPx: null, diamLabelsPx: null };
  } else {
    const info = describeCellposeCheckpoint(readTorchStateDictHeaders(bytes));
    meta = { format: 'torch', nChannels: info.nchan, nOut: info.nout, diamMeanPx: info.diamMean, diamLabelsPx: info.diamLabels };
  }
  cache.set(path, { size: st.size, mtimeMs: st.mtimeMs, meta });
  return meta;
}
