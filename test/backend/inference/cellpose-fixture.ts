// Arrays from the real Cellpose 3.1 outputs in /work/shared/fixtures/cellpose, extracted with
// numpy into temporary .npy files.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeImage } from '../../../src/core/io/decode-image.ts';
import type { ImageStack } from '../../../src/core/io/image-types.ts';
import { PYTHON, readNpyF32, tempDir } from '../../core/model/torch-reference.ts';
import { sharedPath } from '../../helpers/shared-data.ts';

export const FIXTURES = sharedPath('fixtures/cellpose');
export const REAL_MODEL = `${FIXTURES}/cp3_nuclei_dsb2018`;

/** Evaluate a numpy expression over `d` (the loaded _seg.npy dict) and return it as float32. */
export function segArray(segPath: string, expr: string): { data: Float32Array; shape: number[] } {
  const out = join(tempDir(), 'a.npy');
  const code = `import numpy as np\nd = np.load(${JSON.stringify(segPath)}, allow_pickle=True).item()\nnp.save(${JSON.stringify(out)}, np.ascontiguousarray(np.asarray(${expr}), dtype=np.float32))`;
  execFileSync(PYTHON, ['-c', code]);
  return readNpyF32(out);
}

export async function readImage(path: string): Promise<ImageStack> {
  return decodeImage(new Uint8Array(readFileSync(path)));
}

/** Average precision at IoU 0.5 / 0.9 of predicted vs reference labels (Cellpose metrics rule). */
export function apAt(trueLabels: ArrayLike<number>, pred: ArrayLike<number>): { ap50: number; ap90: number; nTrue: number; nPred: number } {
  const relabel = (a: ArrayLike<number>): { m: Int32Array; n: number } => {
    const map = new Map<number, number>();
    const m = new Int32Array(a.length);
    for (let i = 0; i < a.length; i++) {
      const v = a[i];
      if (v === 0) continue;
      let k = map.get(v);
      if (k === undefined) {
        k = map.size + 1;
        map.set(v, k);
      }
      m[i] = k;
    }
    return { m, n: map.size };
  };
  const t = relabel(trueLabels);
  const p = relabel(pred);
  const inter = new Map<number, number>();
  const at = new Float64Array(t.n + 1);
  const ap = new Float64Array(p.n + 1);
  for (let i = 0; i < t.m.length; i++) {
    at[t.m[i]]++;
    ap[p.m[i]]++;
    if (t.m[i] && p.m[i]) {
      const key = t.m[i] * (p.n + 1) + p.m[i];
      inter.set(key, (inter.get(key) ?? 0) + 1);
    }
  }
  const score = (thr: number): number => {
    // each pair with IoU > 0.5 is unique, so a greedy match is exact for thresholds >= 0.5
    let tp = 0;
    for (const [key, n] of inter) {
      const ti = Math.floor(key / (p.n + 1));
      const pi = key % (p.n + 1);
      const iou = n / (at[ti] + ap[pi] - n);
      if (iou >= thr) tp++;
    }
    return tp / (tp + (t.n - tp) + (p.n - tp));
  };
  return { ap50: score(0.5), ap90: score(0.9), nTrue: t.n, nPred: p.n };
}
