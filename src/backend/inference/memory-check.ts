// Refuse a segmentation that cannot fit in this machine's memory, before it starts, with a clear
// message, instead of letting the process be killed part-way (a huge image is bad input, not a
// crash). The estimate is empirical: peak RSS of the whole `segment` process measured on
// 2026-11-26 (2-core Xeon, default mode, rescale 1): 0.50 / 0.58 / 0.96 / 1.85 GB at 512² / 1024²
// / 2048² / 4096², i.e. about 0.5 GB of runtime, model and session plus about 80 bytes per pixel
// (image copies, flows, tile blend, dynamics, outputs). Arrays at the network's size grow with
// rescale². 3-D runs the network on three orientations and the dynamics on the volume (64x512x512
// peaked at 1.35 GB in the dynamics alone), so voxels count more. Fast mode's larger network
// passes add up to about 1 GB of onnxruntime arena (1024² in one pass peaked at 1.51 GB against
// default mode's 0.58 GB; 4096² in 576² tiles at 2.3 GB against 1.85 GB), and its int8 network on
// the CPU (a second session beside the float32 one) about 0.35 GB more (1.80 GB at 1024²,
// 2026-11-27).
import type { SegmentOptions } from '../../core/pipeline/segment-options.ts';
import { rescaleFor, type ModelInfo } from '../../core/pipeline/segment.ts';

const BASE_BYTES = 0.5 * 2 ** 30;
const BYTES_PER_PIXEL_2D = 80;
const BYTES_PER_VOXEL_3D = 160;
const FAST_EXTRA_BYTES = 1.35 * 2 ** 30;

export interface SegmentSize {
  nZ: number;
  height: number;
  width: number;
}

/** Estimated peak memory of one segmentation, in bytes. */
export function estimateSegmentBytes(size: SegmentSize, options: Partial<SegmentOptions>, model: ModelInfo): number {
  const pixels = size.nZ * size.height * size.width;
  const d = options.diameterPx;
  // diameter 0 (size model) or none: the rescale is not known yet; count it as 1
  const rescale = d !== undefined && d !== null && d > 0 ? rescaleFor(model, d) : 1;
  const netScale = Math.max(1, rescale * rescale);
  const perPixel = options.do3D ? BYTES_PER_VOXEL_3D : BYTES_PER_PIXEL_2D;
  return BASE_BYTES + (options.fast && !options.do3D ? FAST_EXTRA_BYTES : 0) + pixels * perPixel * (1 + netScale) * 0.5;
}

/** Throws a RangeError naming the size, the need and the machine's memory when the estimate is
 *  above the machine's total memory (not its free memory: the system can page other programs). */
export function checkSegmentMemory(size: SegmentSize, options: Partial<SegmentOptions>, model: ModelInfo, totalMemoryBytes: number): void {
  const need = estimateSegmentBytes(size, options, model);
  if (need <= totalMemoryBytes) return;
  const gb = (b: number): string => (b / 2 ** 30).toFixed(1);
  const dims = `${size.nZ > 1 ? `${size.nZ} x ` : ''}${size.height} x ${size.width}`;
  throw new RangeError(
    `segmenting this ${dims} image needs about ${gb(need)} GB of memory, more than this machine's ${gb(totalMemoryBytes)} GB; crop it, downsample it or segment it in parts`,
  );
}
