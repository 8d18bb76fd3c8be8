// Options of one segmentation run, with Cellpose 3.1 defaults (ALGORITHMS.md 0.1).
import type { DynamicsProfile } from '../dynamics/profiles.ts';
import type { ChannelPair } from '../transforms/convert-channels.ts';
import { DEFAULT_NORMALIZE, type NormalizeOptions } from '../transforms/normalize-img.ts';

export type { DynamicsProfile };

export interface SegmentOptions {
  /** Object diameter in pixels. null = model's diam_mean/diam_labels rule (1.7); 0 = estimate with
   *  the size model (1.9). CLI and GUI pass 30 by default. */
  diameterPx: number | null;
  /** [chan, chan2] 1-based (0 = gray/none), or null = first nchan channels (2.1). */
  channels: ChannelPair | null;
  normalize: NormalizeOptions;
  augment: boolean;
  tileOverlap: number;
  batchSize: number;
  /** Run dynamics at the original resolution (flows resized back). */
  resample: boolean;
  /** Euler steps; 0 = automatic (200/rescale with resample, else 200). */
  niter: number;
  flowThreshold: number;
  cellprobThreshold: number;
  minSize: number;
  maxSizeFraction: number;
  do3D: boolean;
  /** Z sampling / XY sampling (3D). */
  anisotropy: number;
  stitchThreshold: number;
  flow3DSmooth: number;
  dynamics: DynamicsProfile;
  /** Bilinear interpolation in dynamics (false only for the size model's refinement pass). */
  interp: boolean;
  /** The engine's part of fast mode: fewer, larger network passes instead of Cellpose's 224 px tiles
   *  (not bit-identical to Cellpose). The backend's int8 network runs with this off (int8RunOptions). */
  fast: boolean;
  /** false = flows only (no dynamics), as Cellpose's compute_masks=False. */
  computeMasks: boolean;
  /** Reproduce Cellpose 3.1's small-mask removal, which can delete the wrong masks after flow QC
   *  (ALGORITHMS 5.5). Off by default: the fixed rule of v4.0.8+, as the reference recommends. */
  legacyV31MinSize: boolean;
}

export const DEFAULT_SEGMENT_OPTIONS: SegmentOptions = {
  diameterPx: 30,
  channels: [0, 0],
  normalize: DEFAULT_NORMALIZE,
  augment: false,
  tileOverlap: 0.1,
  batchSize: 8,
  resample: true,
  niter: 0,
  flowThreshold: 0.4,
  cellprobThreshold: 0,
  minSize: 15,
  maxSizeFraction: 0.4,
  do3D: false,
  anisotropy: 1,
  stitchThreshold: 0,
  flow3DSmooth: 0,
  dynamics: 'v3-cpu',
  interp: true,
  fast: false,
  computeMasks: true,
  legacyV31MinSize: false,
};

export function withDefaults(partial: Partial<SegmentOptions>): SegmentOptions {
  return { ...DEFAULT_SEGMENT_OPTIONS, ...partial, normalize: { ...DEFAULT_NORMALIZE, ...(partial.normalize ?? {}) } };
}

export function validateOptions(o: SegmentOptions): void {
  const bad = (name: string, v: unknown, why: string): never => {
    throw new RangeError(`${name} = ${String(v)}: ${why}`);
  };
  if (o.diameterPx !== null && !(Number.isFinite(o.diameterPx) && o.diameterPx >= 0)) bad('diameter', o.diameterPx, 'must be >= 0');
  if (!(Number.isFinite(o.tileOverlap))) bad('tile_overlap', o.tileOverlap, 'must be a number');
  if (!(Number.isInteger(o.batchSize) && o.batchSize >= 1 && o.batchSize <= 1024)) bad('batch_size', o.batchSize, 'must be an integer in [1, 1024]');
  if (!(Number.isFinite(o.niter) && o.niter >= 0 && o.niter <= 100000)) bad('niter', o.niter, 'must be in [0, 100000]');
  if (!Number.isFinite(o.flowThreshold)) bad('flow_threshold', o.flowThreshold, 'must be a number');
  if (!Number.isFinite(o.cellprobThreshold)) bad('cellprob_threshold', o.cellprobThreshold, 'must be a number');
  if (!(Number.isFinite(o.anisotropy) && o.anisotropy > 0)) bad('anisotropy', o.anisotropy, 'must be > 0');
  if (!(Number.isFinite(o.stitchThreshold) && o.stitchThreshold >= 0)) bad('stitch_threshold', o.stitchThreshold, 'must be >= 0');
  if (!(Number.isFinite(o.minSize))) bad('min_size', o.minSize, 'must be a number');
}
