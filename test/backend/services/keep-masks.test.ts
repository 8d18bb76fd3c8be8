// mergeKeptMasks on a real DSB2018 label image: kept masks win, duplicates of them are dropped,
// a region keeps only the masks mostly inside it; counts checked against numpy.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { readImageFile } from '../../../src/backend/io/read-image.ts';
import { mergeKeptMasks } from '../../../src/backend/services/keep-masks.ts';
import { sharedPath } from '../../helpers/shared-data.ts';

const DIR = sharedPath('data/dsb2018-stage1-fluorescence/masks');

function firstMaskFile(): string {
  return execFileSync('/usr/bin/python3', ['-c', `import os; print(os.path.join(${JSON.stringify(DIR)}, sorted(os.listdir(${JSON.stringify(DIR)}))[0]))`]).toString().trim();
}

describe('mergeKeptMasks', () => {
  it('keeps hand-drawn masks, drops model masks on top of them, and limits new masks to the region', async () => {
    const file = firstMaskFile();
    const stack = await readImageFile(file);
    const { height, width } = stack;
    const labels = Uint32Array.from(stack.data.data as Uint16Array);
    // numpy: labels present, and how many have at least half their pixels in the left half.
    const ref = JSON.parse(
      execFileSync('/usr/bin/python3', [
        '-c',
        `import json, numpy as np
from PIL import Image
a = np.array(Image.open(${JSON.stringify(file)})).astype(np.int64)
ids = [int(v) for v in np.unique(a) if v > 0]
w = a.shape[1]
left = [i for i in ids if 2 * ((a == i)[:, : w // 2]).sum() >= (a == i).sum()]
print(json.dumps({'ids': ids, 'left': left}))`,
      ]).toString(),
    ) as { ids: number[]; left: number[] };
    expect(ref.ids.length).toBeGreaterThan(5);

    // The user drew (kept) the first three cells exactly where the model also finds them.
    const keepIds = new Set(ref.ids.slice(0, 3));
    const keep = new Uint16Array(labels.length);
    for (let i = 0; i < labels.length; i++) if (keepIds.has(labels[i])) keep[i] = 100 + labels[i];
    const merged = mergeKeptMasks({ masks: Uint16Array.from(labels), shape: [1, height, width], keep, region: null, minSize: 0 });
    let max = 0;
    for (const v of merged) if (v > max) max = v;
    expect(max).toBe(ref.ids.length); // 3 kept + the others, none twice
    for (let i = 0; i < labels.length; i++) {
      if (keep[i]) expect(merged[i]).toBeLessThanOrEqual(3); // kept pixels keep kept ids
      else if (labels[i]) expect(merged[i]).toBeGreaterThan(3);
    }

    // Only the left half: the masks mostly inside it survive, whole.
    const region = new Uint8Array(height * width);
    for (let y = 0; y < height; y++) region.fill(1, y * width, y * width + Math.floor(width / 2));
    const inRegion = mergeKeptMasks({ masks: Uint16Array.from(labels), shape: [1, height, width], keep: null, region, minSize: 0 });
    let maxR = 0;
    for (const v of inRegion) if (v > maxR) maxR = v;
    expect(maxR).toBe(ref.left.length);
  });

  it('rejects arrays that do not match the image', () => {
    expect(() => mergeKeptMasks({ masks: new Uint16Array(12), shape: [1, 3, 4], keep: new Uint16Array(11), region: null, minSize: 0 })).toThrow(/keepMasks hold 11/);
    expect(() => mergeKeptMasks({ masks: new Uint16Array(12), shape: [1, 3, 4], keep: null, region: new Uint8Array(5), minSize: 0 })).toThrow(/region holds 5/);
  });
});
