// The size-model file reader (`<model>_size.npy`, a pickled dict) comes from
// src/core/model/size-model-file.ts; loaded lazily so inference works without it.
import type { SizeModel } from '../../core/pipeline/segment.ts';
import type { SizeModelReader } from './load-model.ts';

interface SizeModelModule {
  readSizeModel?: (bytes: Uint8Array) => unknown;
}

function asF64(v: unknown): Float64Array {
  if (v instanceof Float64Array) return v;
  if (v && typeof v === 'object' && 'data' in v) return Float64Array.from((v as { data: ArrayLike<number> }).data);
  if (Array.isArray(v) || ArrayBuffer.isView(v)) return Float64Array.from(v as ArrayLike<number>);
  throw new TypeError('size model: expected an array');
}

function asNum(v: unknown): number {
  if (typeof v === 'number') return v;
  if (v && typeof v === 'object' && 'data' in v) return Number((v as { data: ArrayLike<number> }).data[0]);
  throw new TypeError('size model: expected a number');
}

/** Adapt whatever readSizeModel returns ({A, smean, diam_mean|diamMean, ymean}) to SizeModel. */
export function toSizeModel(raw: unknown): SizeModel {
  if (!raw || typeof raw !== 'object') throw new TypeError('size model: not an object');
  const r = raw as Record<string, unknown>;
  return {
    A: asF64(r.A),
    smean: asF64(r.smean),
    diamMeanPx: asNum(r.diamMeanPx ?? r.diamMean ?? r.diam_mean),
    ymean: asNum(r.ymean),
  };
}

export async function sizeModelReader(): Promise<SizeModelReader | undefined> {
  try {
    const spec = '../../core/model/size-model-file.ts';
    const mod = (await import(/* @vite-ignore */ spec)) as SizeModelModule;
    const read = mod.readSizeModel;
    if (!read) return undefined;
    return (bytes) => toSizeModel(read(bytes));
  } catch {
    return undefined;
  }
}
