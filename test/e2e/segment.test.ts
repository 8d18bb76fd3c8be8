// Segment and inspect, end to end: run the bundled model on img2d.tif from the GUI, watch the
// progress, then inspect the result through the flow views and the ROI count.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHOTS, canvasColour, openThroughBrowser, paintCount, pixelOnScreen, roiCount, stageFiles, startSession, waitForPaint, type Session } from './browser.ts';
import { sharedPath } from '../helpers/shared-data.ts';

// A copy: a model run autosaves img2d_seg.npy next to the image it segmented.
const [IMG2D, STACK] = stageFiles([sharedPath('data/stardist-dsb2018-sample-2d/img2d.tif'), sharedPath('fixtures/cellpose/cli3d/stack3d.tif')]);

describe('segmentation from the GUI', () => {
  let s: Session;
  beforeAll(async () => {
    s = await startSession();
  });
  afterAll(async () => {
    await s?.close();
  });

  it('runs the bundled model, shows progress and N ROIs, and enables the gradXY and cellprob views', async () => {
    const { page } = s;
    await openThroughBrowser(page, IMG2D);
    await page.getByTestId('status-file').getByText('img2d.tif').waitFor();
    // Before a run only the image view can be chosen.
    expect(await page.locator('[data-testid="view-select"] option[value="gradXY"]').isDisabled()).toBe(true);
    await page.getByTestId('segment-diameter').fill('24');
    await page.getByTestId('segment-run').click();
    await page.getByTestId('segment-stage').waitFor({ timeout: 10_000 });
    // The run button is disabled while the job runs, and comes back when it ends.
    expect(await page.getByTestId('segment-run').isDisabled()).toBe(true);
    await page.getByTestId('segment-cancel').waitFor();
    await expect.poll(() => page.getByTestId('segment-run').isDisabled(), { timeout: 120_000, interval: 500 }).toBe(false);
    expect(await page.getByTestId('error-banner').count()).toBe(0);
    expect(await page.getByTestId('roi-count').textContent()).toMatch(/^\d+ ROIs$/);
    expect(await page.locator('[data-testid="view-select"] option[value="gradXY"]').isDisabled()).toBe(false);
    expect(await page.locator('[data-testid="view-select"] option[value="gradZ"]').isDisabled()).toBe(true);

    // PageDown: image -> gradXY -> cellprob -> (gradZ is skipped) -> image.
    const p = await pixelOnScreen(page, 256, 256);
    const grey = await canvasColour(page, p);
    await page.locator('body').click({ position: { x: 5, y: 790 } });
    let n = await paintCount(page);
    await page.keyboard.press('PageDown');
    await waitForPaint(page, n);
    expect(await page.getByTestId('view-select').inputValue()).toBe('gradXY');
    n = await paintCount(page);
    await page.keyboard.press('PageDown');
    await waitForPaint(page, n);
    expect(await page.getByTestId('view-select').inputValue()).toBe('cellprob');
    // The blue-white-red table: never a grey unless exactly white.
    const cp = await canvasColour(page, p);
    expect(cp[0] === cp[1] && cp[1] === cp[2] ? cp[0] : 255).toBe(255);
    await page.screenshot({ path: path.join(SHOTS, 'segment-cellprob.png') });
    n = await paintCount(page);
    await page.keyboard.press('PageDown');
    await waitForPaint(page, n);
    expect(await page.getByTestId('view-select').inputValue()).toBe('image');
    expect(await canvasColour(page, p)).toEqual(grey);
    await page.screenshot({ path: path.join(SHOTS, 'segment-done.png') });

    // The same run in fast mode (the int8 network on the CPU): about the same masks, no error.
    const defaultCount = await roiCount(page);
    expect(await page.getByTestId('segment-int8').count()).toBe(0);
    await page.locator('details', { hasText: 'normalisation and 3D' }).locator('summary').click();
    await page.getByTestId('segment-fast').check();
    // the run's duration (a float of milliseconds) tells this run's end from the previous one's
    const lastRun = (): Promise<string | null> => page.getByTestId('segment-last-run').getAttribute('data-run-ms');
    const before = await lastRun();
    await page.getByTestId('segment-run').click();
    await expect.poll(lastRun, { timeout: 120_000, interval: 200 }).not.toBe(before);
    expect(await page.getByTestId('error-banner').count()).toBe(0);
    const fastCount = await roiCount(page);
    // on the CPU fast mode runs the int8 network, and the run line says so
    expect(await page.getByTestId('segment-int8').textContent()).toBe(' (int8)');
    expect(Math.abs(fastCount - defaultCount)).toBeLessThanOrEqual(Math.ceil(0.05 * defaultCount));
    await page.screenshot({ path: path.join(SHOTS, 'segment-fast.png') });

    // "use GPU" (Cellpose's checkbox): the backend probes the GPU providers; with none (this
    // machine, CI) the box is off and disabled and its tooltip says why, as Cellpose's is without
    // CUDA; with one it is enabled, and a run names the provider.
    const gpuLabel = page.getByTestId('segment-use-gpu-label');
    await expect.poll(() => gpuLabel.getAttribute('data-gpu'), { timeout: 60_000 }).not.toBe('probing');
    const gpu = await gpuLabel.getAttribute('data-gpu');
    await page.getByTestId('segment-fast').uncheck();
    if (gpu === 'none') {
      expect(await page.getByTestId('segment-use-gpu').isDisabled()).toBe(true);
      expect(await page.getByTestId('segment-use-gpu').isChecked()).toBe(false);
      expect(await gpuLabel.getAttribute('title')).toMatch(/^no GPU execution provider runs here: .+/);
      expect(await page.getByTestId('segment-provider').textContent()).toBe('cpu');
    } else {
      await page.getByTestId('segment-use-gpu').check();
      const beforeGpu = await lastRun();
      await page.getByTestId('segment-run').click();
      await expect.poll(lastRun, { timeout: 120_000, interval: 200 }).not.toBe(beforeGpu);
      expect(await page.getByTestId('segment-provider').textContent()).toBe(gpu);
    }
    await page.screenshot({ path: path.join(SHOTS, 'segment-use-gpu.png') });
  });

  it("lists a run's warnings under the run line: a stack segmented plane by plane", async () => {
    const { page } = s;
    await openThroughBrowser(page, STACK);
    await page.getByTestId('status-file').getByText('stack3d.tif').waitFor();
    expect(await page.getByTestId('segment-do3d').isChecked()).toBe(false);
    await page.getByTestId('segment-diameter').fill('24');
    await page.getByTestId('segment-run').click();
    const warnings = page.getByTestId('segment-warnings');
    await warnings.waitFor({ timeout: 120_000 });
    expect(await warnings.textContent()).toContain('stack segmented plane by plane');
    expect(await page.getByTestId('error-banner').count()).toBe(0);
    await page.screenshot({ path: path.join(SHOTS, 'segment-warnings.png') });
  });
});
