// Hand correction end to end in Chromium against the real backend: load the real DSB masks of
// img2d.tif, then trace, brush, erase, delete, merge and split, undoing and redoing each; save with
// Ctrl+S and check the _seg.npy with numpy; reopen and check again. A 3-D stack: outlines on two
// planes, Enter interpolates, the ortho views show the mask. Screenshots in test-results/e2e/.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHOTS, openThroughBrowser, pixelOnScreen, startSession, type Session } from './browser.ts';
import { hook, move, openWithMasks, traceCircle } from './edit-helpers.ts';
import { sharedPath } from '../helpers/shared-data.ts';

const DATA = sharedPath('data/stardist-dsb2018-sample-2d');

/** Ground truth from Debian's python3 (numpy + tifffile), as JSON. */
function py<T>(code: string): T {
  return JSON.parse(execFileSync('/usr/bin/python3', ['-c', `import json, numpy as np, tifffile\n${code}`]).toString()) as T;
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(SHOTS, `editing-${name}.png`) });
  // Every dirty-rectangle and selection repaint so far left the cached overlay layers exact.
  if (!name.includes('failed')) await expect.poll(() => hook(page, 'overlayStalePx')).toEqual({ fills: 0, outlines: 0 });
}

describe('mask editing in the GUI', () => {
  let s: Session;
  const tmp = mkdtempSync(path.join(tmpdir(), 'cps-e2e-edit-'));
  const img = path.join(tmp, 'img2d.tif');
  const masks = path.join(tmp, 'mask2d.tif');
  /** Points found by numpy in the first test, reused by the region test. */
  let facts: { big: [number, number]; pair: [[number, number], [number, number]]; drawn: [number, number] } | null = null;
  beforeAll(async () => {
    copyFileSync(path.join(DATA, 'img2d.tif'), img);
    copyFileSync(path.join(DATA, 'mask2d.tif'), masks);
    s = await startSession();
  });
  afterAll(async () => {
    await s?.close();
  });

  it('traces, brushes, erases, deletes, merges and splits with undo/redo, saves a _seg.npy numpy reads back, and reopens it', async () => {
    const { page } = s;
    const f = py<{ count: number; empty: [number, number]; big: [number, number]; pair: [[number, number], [number, number]] }>(`
from scipy import ndimage
m = tifffile.imread(${JSON.stringify(masks)})
H, W = m.shape
empty = None
for y in range(20, H - 60, 4):
    for x in range(20, W - 60, 4):
        if m[y:y+40, x:x+40].max() == 0:
            empty = [x, y]; break
    if empty: break
ids, counts = np.unique(m[m > 0], return_counts=True)
k = ids[np.argmax(counts)]
cy, cx = [int(round(v)) for v in ndimage.center_of_mass(m == k)]
assert m[cy, cx] == k
pair = None
for y in range(1, H - 1):
    for x in range(1, W - 1):
        a, b = m[y, x], m[y, x + 1]
        if a and b and a != b and a != k and b != k and m[y, x - 1] == a and x + 2 < W and m[y, x + 2] == b:
            pair = [[x - 1, y], [x + 2, y]]; break
    if pair: break
print(json.dumps({"count": int(len(ids)), "empty": empty, "big": [cx, cy], "pair": pair}))`);
    await openWithMasks(page, img, masks, f.count);
    expect(await page.getByTestId('roi-count').textContent()).toBe(`${f.count} ROIs`);
    await shot(page, '01-loaded');

    // Trace a new mask in an empty block: id N+1, hand-drawn.
    const [ex, ey] = f.empty;
    const [cx, cy] = [ex + 20, ey + 14];
    facts = { big: f.big, pair: f.pair, drawn: [cx, cy] };
    await traceCircle(page, cx, cy, 10);
    await expect.poll(() => hook(page, 'count')).toBe(f.count + 1);
    expect(await hook(page, 'labelAt', cx, cy)).toBe(f.count + 1);
    expect((await hook(page, 'ismanual'))[f.count]).toBe(true);
    expect(await page.getByTestId('roi-count').textContent()).toBe(`${f.count + 1} ROIs`);
    await shot(page, '02-traced');
    await page.keyboard.press('Control+z');
    expect(await hook(page, 'count')).toBe(f.count);
    expect(await hook(page, 'labelAt', cx, cy)).toBe(0);
    await page.keyboard.press('Control+y');
    expect(await hook(page, 'labelAt', cx, cy)).toBe(f.count + 1);

    // Brush a second new mask below it (nothing selected: a click on background unselects).
    await move(page, ex + 2, ey + 36);
    await page.mouse.down();
    await page.mouse.up();
    expect(await hook(page, 'selected')).toBe(0);
    await page.keyboard.press('p');
    await move(page, ex + 5, ey + 34);
    await page.mouse.down();
    for (let x = ex + 6; x <= ex + 34; x += 2) await move(page, x, ey + 34);
    await page.mouse.up();
    expect(await hook(page, 'count')).toBe(f.count + 2);
    expect(await hook(page, 'labelAt', ex + 20, ey + 34)).toBe(f.count + 2);
    expect((await hook(page, 'ismanual'))[f.count + 1]).toBe(true);
    await shot(page, '03-brushed');
    const depthBrush = await hook(page, 'undoDepth');
    await page.keyboard.press('Control+z');
    expect(await hook(page, 'labelAt', ex + 20, ey + 34)).toBe(0);
    expect(await hook(page, 'undoDepth')).toBe(depthBrush - 1); // the whole stroke was one step
    await page.keyboard.press('Control+Shift+z');
    expect(await hook(page, 'labelAt', ex + 20, ey + 34)).toBe(f.count + 2);

    // Erase through the biggest mask (selected first): its centre becomes background.
    const [bx, by] = f.big;
    await page.keyboard.press('v');
    await move(page, bx, by);
    await page.mouse.down();
    await page.mouse.up();
    const big = await hook(page, 'selected');
    expect(big).toBeGreaterThan(0);
    expect(await page.getByTestId('edit-selected').textContent()).toMatch(new RegExp(`^mask ${big}: \\d+ px$`));
    await page.keyboard.press('e');
    await move(page, bx - 3, by);
    await page.mouse.down();
    await move(page, bx + 3, by);
    await page.mouse.up();
    expect(await hook(page, 'labelAt', bx, by)).toBe(0);
    await shot(page, '04-erased');
    await page.keyboard.press('Control+z');
    expect(await hook(page, 'labelAt', bx, by)).toBe(big);
    await shot(page, '04b-erase-undone');

    // Ctrl+click deletes; ids stay contiguous.
    await page.keyboard.press('v');
    const n0 = await hook(page, 'count');
    await move(page, bx, by);
    await page.keyboard.down('Control');
    await page.mouse.down();
    await page.mouse.up();
    await page.keyboard.up('Control');
    expect(await hook(page, 'count')).toBe(n0 - 1);
    expect(await hook(page, 'labelAt', bx, by)).toBe(0);
    await shot(page, '05-deleted');
    await page.keyboard.press('Control+z');
    expect(await hook(page, 'count')).toBe(n0);
    expect(await hook(page, 'labelAt', bx, by)).toBe(big);

    // Select A, Alt+click B: B joins A.
    const [[ax, ay], [qx, qy]] = f.pair;
    await move(page, ax, ay);
    await page.mouse.down();
    await page.mouse.up();
    const a = await hook(page, 'selected');
    await move(page, qx, qy);
    await page.keyboard.down('Alt');
    await page.mouse.down();
    await page.mouse.up();
    await page.keyboard.up('Alt');
    expect(await hook(page, 'count')).toBe(n0 - 1);
    expect(await hook(page, 'labelAt', qx, qy)).toBe(await hook(page, 'labelAt', ax, ay));
    await shot(page, '06-merged');
    await page.keyboard.press('Control+z');
    expect(await hook(page, 'count')).toBe(n0);
    expect(await hook(page, 'labelAt', ax, ay)).toBe(a);
    expect(await hook(page, 'labelAt', qx, qy)).not.toBe(a);
    // Outlines on (Z): from here on the outline layer is checked too.
    await page.keyboard.press('z');
    await shot(page, '06b-merge-undone-outlines');

    // Split the biggest mask along a vertical line through its centre; keep the split.
    await move(page, bx, by);
    await page.mouse.down();
    await page.mouse.up();
    await page.keyboard.press('k');
    await move(page, bx, by - 20);
    await page.mouse.down();
    for (let y = by - 18; y <= by + 20; y += 2) await move(page, bx, y);
    await page.mouse.up();
    expect(await hook(page, 'count')).toBe(n0 + 1);
    expect(await hook(page, 'labelAt', bx - 5, by)).not.toBe(await hook(page, 'labelAt', bx + 5, by));
    await shot(page, '07-split');
    await page.keyboard.press('Control+z');
    expect(await hook(page, 'count')).toBe(n0);
    await page.keyboard.press('Control+y');
    expect(await hook(page, 'count')).toBe(n0 + 1);
    await page.keyboard.press('v');

    // Ctrl+S, then numpy reads the _seg.npy: the same labels, the drawn masks manual.
    await page.keyboard.press('Control+s');
    await expect.poll(() => hook(page, 'dirty'), { timeout: 10_000 }).toBe(false);
    const digest = await hook(page, 'labelsDigest');
    const manual = await hook(page, 'ismanual');
    const seg = path.join(tmp, 'img2d_seg.npy');
    const saved = py<{ sum: number; nonzero: number; weighted: number; n: number; ismanual: boolean[] }>(`
d = np.load(${JSON.stringify(seg)}, allow_pickle=True).item()
m = d["masks"].astype(np.int64).ravel()
w = m * (np.arange(m.size) % 7919)
print(json.dumps({"sum": int(m.sum()), "nonzero": int((m > 0).sum()), "weighted": int(w.sum()), "n": int(m.max()), "ismanual": [bool(v) for v in d["ismanual"]]}))`);
    expect(saved).toEqual({ ...digest, n: n0 + 1, ismanual: manual });
    expect(saved.ismanual.filter(Boolean).length).toBeGreaterThanOrEqual(2);
    await shot(page, '08-saved');

    // Reopen: the _seg.npy comes back with the same masks and flags.
    await openThroughBrowser(page, masks);
    await page.getByTestId('status-file').getByText('mask2d.tif').waitFor();
    await openThroughBrowser(page, img);
    await page.getByTestId('status-file').getByText('img2d.tif').waitFor();
    await expect.poll(() => hook(page, 'count'), { timeout: 10_000 }).toBe(n0 + 1);
    expect(await hook(page, 'labelsDigest')).toEqual(digest);
    expect(await hook(page, 'ismanual')).toEqual(manual);
    await shot(page, '09-reopened');

    // `?` lists the shortcuts, ours included.
    await page.keyboard.press('?');
    await page.getByTestId('shortcut-help').waitFor();
    expect(await page.getByTestId('shortcut-help').textContent()).toContain('Ctrl+Shift+Z');
    await shot(page, '10-shortcuts');
    await page.getByTestId('shortcut-help-close').click();
  }, 120_000);

  it('a model run inside a traced region is one undoable step that leaves the outside and the hand-drawn masks alone', async () => {
    const { page } = s;
    if (!facts) throw new Error('needs the first test');
    const [bx, by] = facts.big;
    const [ox, oy] = facts.pair[0];
    expect(Math.hypot(ox - bx, oy - by)).toBeGreaterThan(60);
    const drawnId = await hook(page, 'labelAt', ...facts.drawn);
    expect((await hook(page, 'ismanual'))[drawnId - 1]).toBe(true);
    await page.keyboard.press('v');
    // The first test split the big cell along x = bx (the cut pixels are background): delete both halves.
    for (const [x, y] of [[bx - 5, by], [bx + 5, by], facts.pair[0]] as const) {
      expect(await hook(page, 'labelAt', x, y)).toBeGreaterThan(0);
      await move(page, x, y);
      await page.keyboard.down('Control');
      await page.mouse.down();
      await page.mouse.up();
      await page.keyboard.up('Control');
      expect(await hook(page, 'labelAt', x, y)).toBe(0);
    }
    const before = await hook(page, 'count');
    await page.keyboard.press('m');
    const r = 28;
    const start = await pixelOnScreen(page, bx + r, by);
    await page.mouse.click(start.x, start.y, { button: 'right' });
    for (let k = 1; k <= 40; k++) await move(page, Math.round(bx + r * Math.cos((2 * Math.PI * k) / 40)), Math.round(by + r * Math.sin((2 * Math.PI * k) / 40)));
    const depth = await hook(page, 'undoDepth');
    await page.getByTestId('segment-region').click();
    try {
      // The run's result lands as one replace step.
      await expect.poll(() => hook(page, 'undoDepth'), { timeout: 150_000, interval: 500 }).toBe(depth + 1);
    } catch (e) {
      await shot(page, '12-region-failed');
      const why = await page.evaluate('document.body.innerText.slice(0, 800)');
      throw new Error(`no mask re-found in the region; page says: ${why}; editing message: ${String(await hook(page, 'message'))}`, { cause: e });
    }
    await expect.poll(() => page.getByTestId('segment-run').isDisabled(), { timeout: 30_000 }).toBe(false);
    expect(await page.getByTestId('error-banner').count()).toBe(0);
    expect(await hook(page, 'labelAt', ox, oy)).toBe(0);
    await shot(page, '12-region-run');
    // The deleted cell inside the region is found again; the one deleted outside it is not.
    expect(await hook(page, 'labelAt', bx - 5, by)).toBeGreaterThan(0);
    expect(await hook(page, 'count')).toBe(before + 1);
    const id = await hook(page, 'labelAt', ...facts.drawn);
    expect(id).toBeGreaterThan(0);
    expect((await hook(page, 'ismanual'))[id - 1]).toBe(true);
    await shot(page, '12-region-run');
    // The run is one undo step.
    await page.keyboard.press('Control+z');
    expect(await hook(page, 'undoDepth')).toBe(depth);
    expect(await hook(page, 'count')).toBe(before);
  }, 200_000);

  it('3-D: outlines on two planes, Enter interpolates between them, the ortho views show the mask', async () => {
    const { page } = s;
    const stack = path.join(tmp, 'stack3d.tif');
    execFileSync('/usr/bin/python3', [
      '-c',
      `import numpy as np, tifffile
a = tifffile.imread(${JSON.stringify(img)})[200:296, 200:296]
z = np.stack([np.roll(a, 2 * k, axis=1) for k in range(5)]).astype(np.uint16)
tifffile.imwrite(${JSON.stringify(stack)}, z, imagej=True, metadata={"axes": "ZYX"})`,
    ]);
    await page.keyboard.press('v'); // the region tool would trace a region, not a mask
    await openThroughBrowser(page, stack);
    await page.getByTestId('status-file').getByText('stack3d.tif').waitFor();
    await page.locator('body').click({ position: { x: 5, y: 790 } });
    await page.keyboard.press('Shift+ArrowLeft'); // plane 2 -> 1
    await traceCircle(page, 48, 48, 12);
    await page.keyboard.press('Shift+ArrowRight');
    await page.keyboard.press('Shift+ArrowRight'); // plane 3
    await traceCircle(page, 50, 48, 12);
    expect(await hook(page, 'count')).toBe(0); // strokes wait for Enter in 3D (single stroke off)
    await page.keyboard.press('Enter');
    await expect.poll(() => hook(page, 'count')).toBe(1);
    for (const z of [1, 2, 3]) expect(await hook(page, 'labelAt', 49, 48, z)).toBe(1);
    expect(await hook(page, 'labelAt', 49, 48, 0)).toBe(0);
    await move(page, 49, 48);
    await page.mouse.down();
    await page.mouse.up();
    await expect.poll(async () => (await hook(page, 'ortho'))?.x).toBe(49);
    const o = await hook(page, 'ortho');
    expect(o?.y).toBe(48);
    expect(o?.xzMaskPx).toBeGreaterThanOrEqual(3 * 18);
    expect(o?.yzMaskPx).toBeGreaterThanOrEqual(3 * 18);
    await shot(page, '11-3d-ortho');
    await page.keyboard.press('Control+z');
    expect(await hook(page, 'count')).toBe(0);
    expect((await hook(page, 'ortho'))?.xzMaskPx).toBe(0);
  }, 90_000);
});
