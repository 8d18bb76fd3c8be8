// Inspecting masks: a label image loaded over a real image shows as Cellpose's overlay (fills at
// alpha 128, outlines (200, 200, 255) at alpha 200), toggled with X and Z, with the mask id under
// the cursor. Its own session: a fresh app, so nothing of an earlier run is still being saved.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHOTS, canvasColour, openThroughBrowser, paintCount, pixelOnScreen, stageFiles, startSession, waitForPaint, type Session } from './browser.ts';
import { sharedPath } from '../helpers/shared-data.ts';

describe('mask overlay in the GUI', () => {
  let s: Session;
  beforeAll(async () => {
    s = await startSession();
  });
  afterAll(async () => {
    await s?.close();
  });

  it('shows loaded masks as a coloured overlay (X toggles it), outlines with Z, and the mask id under the cursor', async () => {
    const { page } = s;
    const [img, mask] = stageFiles([sharedPath('data/stardist-dsb2018-sample-2d/img2d.tif'), sharedPath('data/stardist-dsb2018-sample-2d/mask2d.tif')]);
    // Truth from tifffile: object count, an interior pixel, an outline pixel (touches background
    // on its left), a background pixel.
    const t = JSON.parse(
      execFileSync('/usr/bin/python3', [
        '-c',
        `import json, numpy as np, tifffile
m = tifffile.imread(${JSON.stringify(mask)})
n = len(np.unique(m[m > 0]))
win = np.lib.stride_tricks.sliding_window_view(np.pad(m, 3), (7, 7))
inner = np.argwhere((m > 0) & (win.min(axis=(2, 3)) == win.max(axis=(2, 3))))
edge = np.argwhere((m[:, 1:] > 0) & (m[:, :-1] == 0)) + [0, 1]
bg = np.argwhere(np.lib.stride_tricks.sliding_window_view(np.pad(m, 3), (7, 7)).max(axis=(2, 3)) == 0)
print(json.dumps({"n": int(n), "inner": inner[len(inner) // 2].tolist(), "edge": edge[len(edge) // 2].tolist(), "bg": bg[len(bg) // 2].tolist()}))`,
      ]).toString(),
    ) as { n: number; inner: [number, number]; edge: [number, number]; bg: [number, number] };
    await openThroughBrowser(page, img);
    await page.getByTestId('status-file').getByText('img2d.tif').waitFor();
    await page.getByTestId('masks-path').fill(mask);
    await page.getByTestId('masks-path').press('Enter');
    await expect.poll(() => page.getByTestId('roi-count').textContent()).toBe(`${t.n} ROIs`);

    const inner = await pixelOnScreen(page, t.inner[1], t.inner[0]);
    const bg = await pixelOnScreen(page, t.bg[1], t.bg[0]);
    // Re-hover on every poll: the edit store may still be settling the newly opened image.
    const hoverText = async (p: { x: number; y: number }, away: { x: number; y: number }): Promise<string | null> => {
      await page.mouse.move(away.x, away.y);
      await page.mouse.move(p.x, p.y);
      return page.getByTestId('status-pixel').textContent();
    };
    await expect.poll(() => hoverText(inner, bg)).toMatch(new RegExp(`^x=${t.inner[1]} y=${t.inner[0]} value=\\d+ mask=[1-9]\\d*$`));
    await expect.poll(() => hoverText(bg, inner)).toMatch(/ mask=0$/);
    await page.mouse.move(inner.x, inner.y);

    // Masks on: the fill (alpha 128) tints the grey image.
    const tinted = await canvasColour(page, inner);
    expect(new Set(tinted).size).toBeGreaterThan(1);
    await page.screenshot({ path: path.join(SHOTS, 'masks-overlay.png') });
    await page.locator('body').click({ position: { x: 5, y: 790 } });
    let n = await paintCount(page);
    await page.keyboard.press('x');
    await waitForPaint(page, n);
    const plain = await canvasColour(page, inner);
    expect(plain[0]).toBe(plain[1]);
    expect(plain[1]).toBe(plain[2]);
    // Outlines on (Z), masks off: outline pixels are (200, 200, 255) at alpha 200 over grey.
    n = await paintCount(page);
    await page.keyboard.press('z');
    await waitForPaint(page, n);
    const edge = await canvasColour(page, await pixelOnScreen(page, t.edge[1], t.edge[0]));
    expect(Math.abs(edge[0] - edge[1])).toBeLessThanOrEqual(2);
    expect(edge[2] - edge[0]).toBeGreaterThan(30);
    n = await paintCount(page);
    await page.keyboard.press('x');
    await waitForPaint(page, n);
    await page.screenshot({ path: path.join(SHOTS, 'masks-and-outlines.png') });
  });
});
