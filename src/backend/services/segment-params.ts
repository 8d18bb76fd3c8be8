// The GUI's SegmentParams (src/shared/contract.ts) -> the engine's SegmentOptions. Checked here, because they
// arrive from a renderer or a socket and the engine would otherwise see NaN or strings.
import type { SegmentOptions } from '../../core/pipeline/segment-options.ts';
import { percentilePairOk } from '../../core/transforms/normalize-img.ts';
import { BadRequestError } from './service-errors.ts';

function num(method: string, p: Record<string, unknown>, key: string, ok: (v: number) => boolean, why: string): number {
  const v = p[key];
  if (typeof v !== 'number' || !Number.isFinite(v) || !ok(v)) throw new BadRequestError(method, `params.${key} = ${JSON.stringify(v)}: ${why}`);
  return v;
}

function bool(method: string, p: Record<string, unknown>, key: string): boolean {
  const v = p[key];
  if (typeof v !== 'boolean') throw new BadRequestError(method, `params.${key} must be true or false`);
  return v;
}

export function toSegmentOptions(method: string, params: unknown): Partial<SegmentOptions> {
  if (params === null || typeof params !== 'object') throw new BadRequestError(method, '"params" must be an object');
  const p = params as Record<string, unknown>;
  const channel = (v: number): boolean => Number.isInteger(v) && v >= 0 && v <= 3;
  const pct = p.normPercentile;
  if (!Array.isArray(pct) || pct.length !== 2 || !pct.every((x) => typeof x === 'number' && Number.isFinite(x))) {
    throw new BadRequestError(method, 'params.normPercentile must be [low, high]');
  }
  const [lo, hi] = pct as [number, number];
  // optional (absent = Cellpose's defaults), as older settings files and API callers omit them
  const opt = (key: string, def: number): number => (p[key] === undefined ? def : num(method, p, key, (v) => v >= 0, 'must be >= 0 (0 = off)'));
  const norm3D = p.norm3D === undefined ? true : bool(method, p, 'norm3D');
  // Cellpose resets an invalid pair to (1, 99) in the GUI; from an API call it is an error.
  if (!percentilePairOk(lo, hi)) throw new BadRequestError(method, `params.normPercentile [${lo}, ${hi}] must satisfy 0 <= low < high <= 100`);
  return {
    diameterPx: num(method, p, 'diameterPx', (v) => v >= 0, 'must be >= 0 (0 = estimate with the size model)'),
    channels: [num(method, p, 'chan', channel, 'must be 0-3'), num(method, p, 'chan2', channel, 'must be 0-3')],
    flowThreshold: num(method, p, 'flowThreshold', () => true, 'must be a number'),
    cellprobThreshold: num(method, p, 'cellprobThreshold', () => true, 'must be a number'),
    minSize: num(method, p, 'minSize', Number.isInteger, 'must be an integer'),
    niter: num(method, p, 'niter', (v) => Number.isInteger(v) && v >= 0, 'must be an integer >= 0 (0 = automatic)'),
    normalize: {
      normalize: bool(method, p, 'normalize'),
      percentile: [lo, hi],
      lowhigh: null,
      norm3D,
      invert: bool(method, p, 'invert'),
      tileNormBlocksize: opt('tileNormBlocksize', 0),
      tileNormSmooth3D: opt('tileNormSmooth3D', 1),
      smoothRadius: opt('smoothRadius', 0),
      sharpenRadius: opt('sharpenRadius', 0),
    },
    augment: bool(method, p, 'augment'),
    do3D: bool(method, p, 'do3D'),
    stitchThreshold: num(method, p, 'stitchThreshold', (v) => v >= 0, 'must be >= 0'),
    anisotropy: num(method, p, 'anisotropy', (v) => v > 0, 'must be > 0'),
    fast: bool(method, p, 'fast'),
  };
}

/** params.useGpu / req.useGpu: optional (absent = CPU), but not any other type. */
export function useGpuOf(method: string, p: unknown): boolean {
  const v = p !== null && typeof p === 'object' ? (p as Record<string, unknown>).useGpu : undefined;
  if (v === undefined) return false;
  if (typeof v !== 'boolean') throw new BadRequestError(method, 'useGpu must be true or false');
  return v;
}
