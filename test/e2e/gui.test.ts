// The GUI end to end in real Chromium against the real server and backend: open through the file
// browser, read pixel values under the cursor (checked against tifffile / PIL), 16-bit PNGs, a bad
// file, ←/→ navigation, colour modes, saturation, the axis dialog and drag and drop.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createBackend } from '../../src/backend/services/backend.ts';
import { decode } from 'fast-png';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  SHOTS,
  canvasColour,
  dropFile,
  enterBrowsePath,
  openThroughBrowser,
  openTimings,
  paintCount,
  pixelOnScreen,
  stageFiles,
  startSession,
  waitForPaint,
  type Session,
} from './browser.ts';
import { sharedPath } from '../helpers/shared-data.ts';

const FLUO = sharedPath('data/dsb2018-stage1-fluorescence');
const FLUO_NAMES = [
  '00071198d059ba7f5914a526d124d28e6d010c92466da21d4a04cd5413362552.png',
  '003cee89357d9fe13516167fd67b609a164651b21934585648c740d2c3d86dc1.png',
  '0280fa8f60f6bcae0f97d93c28f60be194f9309ff610dc5845e60455b0f87c21.png',
];
// Copies only (stageFiles): the app writes _seg.npy and journals next to what it opens.
const [IMG2D] = stageFiles([sharedPath('data/stardist-dsb2018-sample-2d/img2d.tif')]);
const FLUO_IMAGES = stageFiles(FLUO_NAMES.map((n) => path.join(FLUO, 'images', n)), 'images');
const [MASK_PNG] = stageFiles([path.join(FLUO, 'masks', FLUO_NAMES[0])], 'masks');

/** Ground truth from Debian's python3 (tifffile / PIL), as JSON. */
function py<T>(code: string): T {
  return JSON.parse(execFileSync('/usr/bin/python3', ['-c', `import json, numpy as np, tifffile\nfrom PIL import Image\n${code}`]).toString()) as T;
}

/** A pixel of img2d halfway between its 1st and 99th percentile: neither black nor white on screen. */
function midGreySpot(): { x: number; y: number } {
  return py<{ x: number; y: number }>(`a = tifffile.imread(${JSON.stringify(IMG2D)}).astype(float)
lo, hi = np.percentile(a, [1, 99]); mid = (lo + hi) / 2
ys, xs = np.nonzero(np.abs(a - mid) < (hi - lo) * 0.05)
print(json.dumps({"x": int(xs[0]), "y": int(ys[0])}))`);
}

describe('Cellpose Studio GUI in Chromium', () => {
  let s: Session;
  let tmp: string;
  beforeAll(async () => {
    s = await startSession();
    tmp = mkdtempSync(path.join(tmpdir(), 'cps-e2e-files-'));
  });
  afterAll(async () => {
    await s?.close();
  });

  it('opens img2d.tif through the file browser and shows the raw value tifffile reads under the cursor', async () => {
    const { page } = s;
    const truth = py<{ v: number[] }>(`a = tifffile.imread(${JSON.stringify(IMG2D)})
print(json.dumps({"v": [int(a[100, 200]), int(a[300, 45])]}))`);
    await openThroughBrowser(page, IMG2D);
    await page.getByTestId('status-file').getByText('img2d.tif').waitFor();
    expect(await page.getByTestId('status-size').textContent()).toBe('512x512');
    expect(await page.getByTestId('status-dtype').textContent()).toBe('uint16');
    expect(await page.getByTestId('raw-shape').textContent()).toBe('512 × 512');
    const p = await pixelOnScreen(page, 200, 100);
    await page.mouse.move(p.x, p.y);
    await expect.poll(() => page.getByTestId('status-pixel').textContent()).toBe(`x=200 y=100 value=${truth.v[0]}`);
    const q = await pixelOnScreen(page, 45, 300);
    await page.mouse.move(q.x, q.y);
    await expect.poll(() => page.getByTestId('status-pixel').textContent()).toBe(`x=45 y=300 value=${truth.v[1]}`);
    const timings = await openTimings(page);
    expect(timings.length).toBe(1);
    expect(timings[0]).toBeGreaterThan(0);
    await page.screenshot({ path: path.join(SHOTS, 'img2d-gray.png') });
  });

  it('colour modes change the picture: gray is grey, green keeps only green, spectral is colourful', async () => {
    const { page } = s;
    // A bright nucleus pixel: well inside the 1-99 % levels, so it is neither black nor white.
    const spot = midGreySpot();
    const p = await pixelOnScreen(page, spot.x, spot.y);
    const grey = await canvasColour(page, p);
    expect(grey[0]).toBe(grey[1]);
    expect(grey[1]).toBe(grey[2]);
    expect(grey[0]).toBeGreaterThan(60);
    expect(grey[0]).toBeLessThan(200);

    let n = await paintCount(page);
    await page.getByTestId('colour-mode').selectOption('green');
    await waitForPaint(page, n);
    const green = await canvasColour(page, p);
    expect(green).toEqual([0, grey[1], 0]);

    n = await paintCount(page);
    await page.getByTestId('colour-mode').selectOption('spectral');
    await waitForPaint(page, n);
    const spectral = await canvasColour(page, p);
    expect(new Set(spectral).size).toBeGreaterThan(1);
    await page.screenshot({ path: path.join(SHOTS, 'img2d-spectral.png') });

    // Keys: ↓ wraps spectral -> RGB; R toggles red-only and back.
    n = await paintCount(page);
    await page.keyboard.press('ArrowDown');
    await waitForPaint(page, n);
    expect(await page.getByTestId('colour-mode').inputValue()).toBe('RGB');
    await page.keyboard.press('r');
    expect(await page.getByTestId('colour-mode').inputValue()).toBe('red');
    await page.keyboard.press('r');
    expect(await page.getByTestId('colour-mode').inputValue()).toBe('RGB');
  });

  it('lowering the saturation high level brightens a mid-grey pixel, and auto-adjust restores it', async () => {
    const { page } = s;
    const spot = midGreySpot();
    const p = await pixelOnScreen(page, spot.x, spot.y);
    const before = await canvasColour(page, p);
    const rawBefore = await page.getByTestId('saturation-0-raw').textContent();
    const n = await paintCount(page);
    await page.getByTestId('saturation-0-high').fill('120');
    await waitForPaint(page, n);
    const after = await canvasColour(page, p);
    expect(after[0]).toBeGreaterThan(before[0]);
    expect(await page.getByTestId('saturation-0-raw').textContent()).not.toBe(rawBefore);
    // Untick and tick auto-adjust: levels go back to the 1st-99th percentiles.
    await page.getByTestId('auto-saturation').uncheck();
    await page.getByTestId('auto-saturation').check();
    await expect.poll(() => canvasColour(page, p)).toEqual(before);
  });

  it('opens a 16-bit mask PNG by double-clicking it in the browser and reads a label value', async () => {
    const { page } = s;
    const masks = path.dirname(MASK_PNG);
    const pick = py<{ name: string; x: number; y: number; v: number; w: number; h: number }>(`import os
name = ${JSON.stringify(path.basename(MASK_PNG))}
im = Image.open(os.path.join(${JSON.stringify(masks)}, name)); a = np.asarray(im)
ys, xs = np.nonzero(a)
i = len(ys) // 2
print(json.dumps({"name": name, "x": int(xs[i]), "y": int(ys[i]), "v": int(a[ys[i], xs[i]]), "w": a.shape[1], "h": a.shape[0]}))`);
    // fast-png reads the file's own header: a 16-bit grayscale PNG (PIL would widen it to int32).
    const header = decode(readFileSync(path.join(masks, pick.name)));
    expect([header.depth, header.channels]).toEqual([16, 1]);
    await page.getByTestId('open-button').click();
    await enterBrowsePath(page, masks);
    await page.locator(`[data-testid="browse-entry"][data-name="${pick.name}"]`).dblclick();
    await page.getByTestId('status-file').getByText(pick.name).waitFor();
    expect(await page.getByTestId('status-dtype').textContent()).toBe('uint16');
    expect(await page.getByTestId('status-size').textContent()).toBe(`${pick.w}x${pick.h}`);
    const p = await pixelOnScreen(page, pick.x, pick.y);
    await page.mouse.move(p.x, p.y);
    await expect.poll(() => page.getByTestId('status-pixel').textContent()).toBe(`x=${pick.x} y=${pick.y} value=${pick.v}`);
  });

  it('a bad (empty) .tif gives a dismissable error naming the file, and the current image stays usable', async () => {
    const { page } = s;
    const bad = path.join(tmp, 'empty.tif');
    writeFileSync(bad, new Uint8Array(0));
    const shownBefore = await page.getByTestId('status-file').textContent();
    await openThroughBrowser(page, bad);
    const msg = page.getByTestId('error-message');
    await msg.waitFor();
    const text = (await msg.textContent()) ?? '';
    expect(text).toContain('empty.tif');
    expect(text.length).toBeGreaterThan('empty.tif'.length + 5);
    await page.screenshot({ path: path.join(SHOTS, 'bad-file-error.png') });
    expect(await page.getByTestId('status-file').textContent()).toBe(shownBefore);
    await page.getByTestId('error-dismiss').click();
    await expect.poll(() => page.getByTestId('error-banner').count()).toBe(0);
    // Still usable: the readout works on the image that was kept.
    const p = await pixelOnScreen(page, 1, 1);
    await page.mouse.move(p.x, p.y);
    await expect.poll(() => page.getByTestId('status-pixel').textContent()).toMatch(/^x=1 y=1 value=\d+$/);
  });

  it('→ and ← move to the next and previous image of the folder', async () => {
    const { page } = s;
    const first = FLUO_IMAGES[0];
    await openThroughBrowser(page, first);
    await page.getByTestId('status-file').getByText(path.basename(first)).waitFor();
    // The folder order is the backend's (Cellpose's filter + natural sort); ask it the same question.
    const expected = (await createBackend({ homeDir: s.home }).neighbourImage({ path: first, step: 1 })).path;
    expect(expected).not.toBe(first);
    await page.locator('body').click({ position: { x: 5, y: 790 } });
    // Keys are ignored while an open is in flight (as Cellpose ignores them while loading).
    await expect.poll(() => page.getByTestId('busy').count()).toBe(0);
    await page.keyboard.press('ArrowRight');
    await page.getByTestId('status-file').getByText(path.basename(expected)).waitFor();
    await expect.poll(() => page.getByTestId('busy').count()).toBe(0);
    await page.keyboard.press('ArrowLeft');
    await page.getByTestId('status-file').getByText(path.basename(first)).waitFor();
  });

  it('asks about ambiguous axes, re-opens with the chosen ones and remembers them for the file', async () => {
    const { page } = s;
    const stack = path.join(tmp, 'five-planes.tif');
    // 5 x 64 x 80 with no axis metadata: Cellpose would read the 5 as channels; it may be Z.
    execFileSync('/usr/bin/python3', [
      '-c',
      `import numpy as np, tifffile; a = (np.arange(5*64*80, dtype=np.uint16) % 1000).reshape(5, 64, 80); tifffile.imwrite(${JSON.stringify(stack)}, a, metadata=None)`,
    ]);
    await openThroughBrowser(page, stack);
    await page.getByTestId('axis-dialog').waitFor().catch(async (e: unknown) => {
      await page.screenshot({ path: path.join(SHOTS, 'axis-dialog-missing.png') });
      throw e;
    });
    expect(await page.getByTestId('axis-assumed').textContent()).toMatch(/5/);
    await page.getByTestId('axis-z').selectOption('0');
    await page.getByTestId('axis-c').selectOption('-1');
    await page.getByTestId('axis-apply').click();
    await expect.poll(() => page.getByTestId('status-size').textContent()).toBe('80x64, Z=5');
    expect(await page.getByTestId('z-slider').count()).toBe(1);
    // Shift+→ moves one plane.
    const z0 = await page.getByTestId('z-value').textContent();
    await page.locator('body').click({ position: { x: 5, y: 790 } });
    await page.keyboard.press('Shift+ArrowRight');
    await expect.poll(() => page.getByTestId('z-value').textContent()).not.toBe(z0);
    // Opening it again applies the stored choice without asking.
    await openThroughBrowser(page, IMG2D);
    await page.getByTestId('status-file').getByText('img2d.tif').waitFor();
    await openThroughBrowser(page, stack);
    await expect.poll(() => page.getByTestId('status-size').textContent()).toBe('80x64, Z=5');
    expect(await page.getByTestId('axis-dialog').count()).toBe(0);
  });

  it('drag and drop of a file sends its bytes and shows it', async () => {
    const { page } = s;
    const n = await paintCount(page);
    await dropFile(page, 'dropped-img2d.tif', readFileSync(IMG2D));
    await page.getByTestId('status-file').getByText('dropped-img2d.tif').waitFor();
    await waitForPaint(page, n);
    expect(await page.getByTestId('status-size').textContent()).toBe('512x512');
    // Wheel zoom around the cursor, then a screenshot for the README.
    const p = await pixelOnScreen(page, 256, 256);
    await page.mouse.move(p.x + 40, p.y + 40);
    await page.mouse.move(p.x, p.y);
    await page.mouse.wheel(0, -240);
    // The pixel under the cursor stays under it (to within the rounding of the mouse position).
    await expect.poll(async () => Math.abs((await pixelOnScreen(page, 256, 256)).x - p.x)).toBeLessThanOrEqual(2);
    expect(await page.getByTestId('status-pixel').textContent()).toMatch(/^x=25[56] y=25[56] value=\d+$/);
    await page.mouse.dblclick(p.x, p.y);
    await page.screenshot({ path: path.join(SHOTS, 'gui.png') });
  });
});
