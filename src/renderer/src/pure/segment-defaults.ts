// The GUI's segmentation parameters and their Cellpose 3 defaults (A.12), with the narrowing of a
// stored copy (settings are user-editable JSON, so every field is checked before use).
import type { SegmentParams } from '../../../shared/contract.ts';

/** The model shipped in resources/models (the backend resolves it without a download). */
export const BUNDLED_MODEL = 'cpsd_nuclei_v1';

export const DEFAULT_SEGMENT_PARAMS: SegmentParams = {
  model: BUNDLED_MODEL,
  diameterPx: 30,
  chan: 0,
  chan2: 0,
  flowThreshold: 0.4,
  cellprobThreshold: 0,
  minSize: 15,
  niter: 0,
  normPercentile: [1, 99],
  normalize: true,
  invert: false,
  norm3D: true,
  smoothRadius: 0,
  sharpenRadius: 0,
  tileNormBlocksize: 0,
  tileNormSmooth3D: 1,
  augment: false,
  do3D: false,
  stitchThreshold: 0,
  anisotropy: 1,
  fast: false,
  useGpu: false,
};

/** Stored params merged over the defaults, field by field; a wrong-typed field keeps its default. */
export function segmentParamsFrom(stored: unknown): SegmentParams {
  const out: SegmentParams = { ...DEFAULT_SEGMENT_PARAMS, normPercentile: [...DEFAULT_SEGMENT_PARAMS.normPercentile] };
  if (stored === null || typeof stored !== 'object') return out;
  const s = stored as Record<string, unknown>;
  const rec = out as unknown as Record<string, unknown>;
  for (const [k, def] of Object.entries(DEFAULT_SEGMENT_PARAMS)) {
    const v = s[k];
    if (typeof def === 'number' && typeof v === 'number' && Number.isFinite(v)) rec[k] = v;
    else if (typeof def === 'boolean' && typeof v === 'boolean') rec[k] = v;
    else if (typeof def === 'string' && typeof v === 'string' && v.length > 0) rec[k] = v;
  }
  const p = s.normPercentile;
  if (Array.isArray(p) && p.length === 2 && p.every((x) => typeof x === 'number' && Number.isFinite(x)) && p[0] < p[1]) {
    out.normPercentile = [p[0], p[1]];
  }
  return out;
}

/** The filter settings as Cellpose 3.1's GUI checks them before each run and each save
 *  (check_filter_params): a negative smooth / sharpen radius or tile_norm setting becomes 0, and a
 *  tile_norm block larger than both sides of the image is turned off ("tile size (tile_norm)
 *  bigger than both image dimensions, disabling"). Returns the settings to use and what changed. */
export function checkFilterParams(p: SegmentParams, heightPx: number, widthPx: number): { params: SegmentParams; notes: string[] } {
  const out: SegmentParams = { ...p, normPercentile: [...p.normPercentile] };
  const notes: string[] = [];
  for (const key of ['smoothRadius', 'sharpenRadius', 'tileNormBlocksize', 'tileNormSmooth3D'] as const) {
    const v = out[key];
    if (v !== undefined && v < 0) {
      notes.push(`${key} ${v} is negative: set to 0, as Cellpose's GUI does`);
      out[key] = 0;
    }
  }
  const block = out.tileNormBlocksize ?? 0;
  if (block > heightPx && block > widthPx) {
    notes.push(`tile_norm blocksize ${block} is bigger than both image dimensions (${heightPx} x ${widthPx}): tile_norm turned off (0), as Cellpose's GUI does`);
    out.tileNormBlocksize = 0;
  }
  return { params: out, notes };
}
