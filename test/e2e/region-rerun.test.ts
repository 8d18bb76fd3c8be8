// "Segment only inside a region" end to end in Chromium against the real backend and the bundled
// model: delete a cell by hand, trace a region round it, run the model there, and the cell comes
// back, while every mask outside the region keeps its pixels. numpy checks the saved _seg.npy
// against the real DSB ground truth.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHOTS, pixelOnScreen, stageFiles, startSession, type Session } from './browser.ts';
import { hook, move, openWithMasks } from './edit-helpers.ts';
import { sharedPath } from '../helpers/shared-data.ts';

const DATA = sharedPath('data/stardist-dsb2018-sample-2d');

function py<T>(code: string): T {
  return JSON.parse(execFileSync('/usr/bin/python3', ['-c', `import json, numpy as np, tifffile\n${code}`]).toString()) as T;
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(SHOTS, `region-${name}.png`) });
}

describe('segment inside a traced region', () => {
  let s: Session;
  const [img, masks] = stageFiles([path.join(DATA, 'img2d.tif'), path.join(DATA, 'mask2d.tif')]);
  beforeAll(async () => {
    s = await startSession();
  });
  afterAll(async () => {
    await s?.close();
  });

  it('re-finds a cell deleted by hand, and leaves every mask outside the region as it was', async () => {
    const { page } = s;
    // The largest ground-truth nucleus: one the bundled model finds with the GUI defaults.
    const f = py<{ count: number; big: [number, number]; gtId: number }>(`
from scipy import ndimage
m = tifffile.imread(${JSON.stringify(masks)})
ids, counts = np.unique(m[m > 0], return_counts=True)
k = ids[np.argmax(counts)]
cy, cx = [int(round(v)) for v in ndimage.center_of_mass(m == k)]
assert m[cy, cx] == k
print(json.dumps({"count": int(len(ids)), "big": [cx, cy], "gtId": int(k)}))`);
    await openWithMasks(page, img, masks, f.count);

    const [bx, by] = f.big;
    await page.keyboard.press('v');
    await move(page, bx, by);
    await page.keyboard.down('Control');
    await page.mouse.down();
    await page.mouse.up();
    await page.keyboard.up('Control');
    expect(await hook(page, 'labelAt', bx, by)).toBe(0);
    expect(await hook(page, 'count')).toBe(f.count - 1);
    await shot(page, '01-deleted');

    await page.keyboard.press('m');
    const r = 28;
    const start = await pixelOnScreen(page, bx + r, by);
    await page.mouse.click(start.x, start.y, { button: 'right' });
    for (let k = 1; k <= 40; k++) await move(page, Math.round(bx + r * Math.cos((2 * Math.PI * k) / 40)), Math.round(by + r * Math.sin((2 * Math.PI * k) / 40)));
    await page.getByTestId('segment-region').waitFor();
    const depth = await hook(page, 'undoDepth');
    await page.getByTestId('segment-region').click();
    try {
      await expect.poll(() => hook(page, 'undoDepth'), { timeout: 150_000, interval: 500 }).toBe(depth + 1);
      expect(await hook(page, 'labelAt', bx, by)).toBeGreaterThan(0);
    } catch (e) {
      await shot(page, '02-failed');
      throw new Error(`the deleted cell was not re-found; editing message: ${String(await hook(page, 'message'))}`, { cause: e });
    }
    await expect.poll(() => page.getByTestId('segment-run').isDisabled(), { timeout: 30_000 }).toBe(false);
    expect(await page.getByTestId('error-banner').count()).toBe(0);
    expect(await hook(page, 'count')).toBe(f.count);
    await page.keyboard.press('v');
    await shot(page, '02-refound');

    // Saved, then numpy: the re-found mask covers the ground-truth cell, and every other
    // ground-truth cell is still exactly one mask with exactly its pixels.
    await page.keyboard.press('Control+s');
    await expect.poll(() => hook(page, 'dirty'), { timeout: 10_000 }).toBe(false);
    const seg = path.join(path.dirname(img), 'img2d_seg.npy');
    const check = py<{ iou: number; sameOutside: boolean; n: number }>(`
d = np.load(${JSON.stringify(seg)}, allow_pickle=True).item()
ours = d["masks"]
gt = tifffile.imread(${JSON.stringify(masks)})
cell = gt == ${f.gtId}
new = ours == ours[${by}, ${bx}]
iou = float((cell & new).sum() / (cell | new).sum())
same = True
for k in np.unique(gt[(gt > 0) & ~cell]):
    v = np.unique(ours[gt == k])
    same = same and len(v) == 1 and v[0] > 0 and bool(((ours == v[0]) == (gt == k)).all())
print(json.dumps({"iou": iou, "sameOutside": bool(same), "n": int(ours.max())}))`);
    expect(check.n).toBe(f.count);
    expect(check.sameOutside).toBe(true);
    expect(check.iou).toBeGreaterThan(0.7);

    // One undo step takes the run back: the cell is gone again.
    await page.keyboard.press('Control+z');
    expect(await hook(page, 'undoDepth')).toBe(depth);
    expect(await hook(page, 'labelAt', bx, by)).toBe(0);
  }, 240_000);
});
