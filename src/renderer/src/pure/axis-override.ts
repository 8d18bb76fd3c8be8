// Narrowing of a stored per-file axis choice (settings are user-editable JSON).
import type { AxisOverride } from '../../../core/io/image-types.ts';

function isAxisIndex(v: unknown): v is number | null {
  return v === null || (typeof v === 'number' && Number.isInteger(v) && v >= 0);
}

/** Narrow a stored value to an AxisOverride; anything else (hand-edited settings) is ignored. */
export function asAxisOverride(v: unknown): AxisOverride | undefined {
  if (v === null || typeof v !== 'object') return undefined;
  const o = v as Record<string, unknown>;
  const out: AxisOverride = {};
  if ('zAxis' in o) {
    if (!isAxisIndex(o.zAxis)) return undefined;
    out.zAxis = o.zAxis;
  }
  if ('channelAxis' in o) {
    if (!isAxisIndex(o.channelAxis)) return undefined;
    out.channelAxis = o.channelAxis;
  }
  return out;
}
