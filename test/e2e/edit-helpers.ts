// Page-side helpers of the editing e2e tests: the read-only editing hook, moves to image pixels,
// Cellpose's right-click trace, opening an image with masks from a label file.
import path from 'node:path';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import type { EditingTestHook } from '../../src/renderer/src/editing/edit-hook-types.ts';
import { openThroughBrowser, pixelOnScreen } from './browser.ts';

interface HookGlobals {
  __cellposeEditing?: EditingTestHook;
}

export async function hook<K extends keyof EditingTestHook>(page: Page, key: K, ...args: Parameters<EditingTestHook[K]>): Promise<ReturnType<EditingTestHook[K]>> {
  return page.evaluate(
    ([k, a]) => {
      const h = (globalThis as unknown as HookGlobals).__cellposeEditing;
      if (!h) throw new Error('no editing hook');
      return (h[k as keyof EditingTestHook] as (...x: unknown[]) => unknown)(...(a as unknown[]));
    },
    [key, args] as const,
  ) as Promise<ReturnType<EditingTestHook[K]>>;
}

export async function move(page: Page, x: number, y: number): Promise<void> {
  const p = await pixelOnScreen(page, x, y);
  await page.mouse.move(p.x, p.y);
}

/** Cellpose's trace: right-click, move round a circle without buttons, come back near the start. */
export async function traceCircle(page: Page, cx: number, cy: number, r: number): Promise<void> {
  const s = await pixelOnScreen(page, cx + r, cy);
  await page.mouse.click(s.x, s.y, { button: 'right' });
  for (let k = 1; k <= 40; k++) {
    const a = (2 * Math.PI * k) / 40;
    await move(page, Math.round(cx + r * Math.cos(a)), Math.round(cy + r * Math.sin(a)));
  }
}

/** Opens img in the GUI, loads masks from the label file (File > Load masks) and waits until the
 *  editor holds `count` masks. */
export async function openWithMasks(page: Page, img: string, masks: string, count: number): Promise<void> {
  await openThroughBrowser(page, img);
  await page.getByTestId('status-file').getByText(path.basename(img)).waitFor();
  await page.getByTestId('masks-path').fill(masks);
  await page.getByTestId('masks-path').press('Enter');
  await page.getByTestId('masks-path').blur();
  await expect.poll(() => hook(page, 'count'), { timeout: 10_000 }).toBe(count);
}
