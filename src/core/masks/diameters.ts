// Median mask diameter (Cellpose utils.diameters, ALGORITHMS.md 7.3): median over masks of
// 2·sqrt(area/π).
import type { LabelImage } from './labels.ts';

export interface Diameters {
  /** Median equivalent-circle diameter in pixels (0 when there are no masks). */
  diameterPx: number;
  /** sqrt(area) of each label, in increasing label order. */
  sqrtAreas: Float64Array;
}

/**
 * Like Cellpose, the first unique value is dropped as the background, so an image without any 0
 * pixel loses its smallest label from the statistics (kept for identical numbers).
 */
export function diameters(masks: LabelImage): Diameters {
  const counts = new Map<number, number>();
  for (let i = 0; i < masks.length; i++) counts.set(masks[i], (counts.get(masks[i]) ?? 0) + 1);
  const values = [...counts.keys()].sort((a, b) => a - b).slice(1);
  const sqrtAreas = Float64Array.from(values, (v) => Math.sqrt(counts.get(v) as number));
  const sorted = Float64Array.from(sqrtAreas).sort();
  const n = sorted.length;
  let md = n === 0 ? NaN : n % 2 === 1 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  if (Number.isNaN(md)) md = 0;
  return { diameterPx: md / (Math.sqrt(Math.PI) / 2), sqrtAreas };
}
