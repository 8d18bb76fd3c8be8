// Shared set-up of the end-to-end tests: the REAL server (src/server) with the REAL backend on a
// free port, serving dist-web, and headless Chromium driven by playwright-core.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createBackend } from '../../src/backend/services/backend.ts';
import { startServer, type RunningServer } from '../../src/server/server.ts';
import type { StudioTestHook } from '../../src/renderer/src/test-hook-types.ts';

/** What page-side callbacks use of the page's globals. The node tsconfig has no DOM lib (on
 *  purpose, for the backend), so DOM-heavy snippets below are passed to the page as source text. */
interface PageGlobals {
  __cellposeStudio?: StudioTestHook;
}

export const REPO = path.resolve(import.meta.dirname, '..', '..');
export const DIST_WEB = path.join(REPO, 'dist-web');
export const SHOTS = path.join(REPO, 'test-results', 'e2e');

/** Copy real data files into a fresh temp folder (keeping their names) and return the copies'
 *  paths. The app writes next to the images it opens (autosaved _seg.npy, edit journals), and
 *  /work/shared must never be modified, so tests and benches only ever open copies. */
export function stageFiles(files: readonly string[], subdir = ''): string[] {
  const dir = path.join(mkdtempSync(path.join(tmpdir(), 'cps-e2e-data-')), subdir);
  mkdirSync(dir, { recursive: true });
  return files.map((f) => {
    const to = path.join(dir, path.basename(f));
    copyFileSync(f, to);
    return to;
  });
}

/** Debian's Chromium, headless, with the flags the project's e2e tests always use: no GPU, and no
 *  background networking, component updates or first-run work (CI machines have no network). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
}

export interface Session {
  server: RunningServer;
  browser: Browser;
  page: Page;
  home: string;
  close(): Promise<void>;
}

export async function startSession(): Promise<Session> {
  if (!existsSync(path.join(DIST_WEB, 'index.html'))) {
    throw new Error(`${DIST_WEB}/index.html is missing: run "npm run build:web" first (npm run test:e2e does)`);
  }
  return startSessionOn(DIST_WEB);
}

export async function startSessionOn(staticDir: string): Promise<Session> {
  mkdirSync(SHOTS, { recursive: true });
  // A fresh settings folder per run, so remembered folders and axis choices do not leak in.
  const home = mkdtempSync(path.join(tmpdir(), 'cps-e2e-home-'));
  const backend = createBackend({ homeDir: home, browseRoot: '/' });
  const server = await startServer({ port: 0, staticDir, backend });
  const browser = await launchChromium();
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(m.text());
  });
  await page.goto(server.url);
  await page.locator('[data-testid="app"][data-ready="yes"]').waitFor({ timeout: 20_000 });
  return {
    server,
    browser,
    page,
    home,
    async close() {
      await browser.close();
      await server.close();
      await backend.dispose();
    },
  };
}

/** Page coordinates of the centre of image pixel (x, y), from the renderer's read-only hook. */
/** The number in the segmentation panel's "N ROIs". */
export async function roiCount(page: Page): Promise<number> {
  const t = (await page.getByTestId('roi-count').textContent()) ?? '';
  const m = /^(\d+) ROIs$/.exec(t.trim());
  if (!m) throw new Error(`roi count text '${t}'`);
  return Number(m[1]);
}

export async function pixelOnScreen(page: Page, x: number, y: number): Promise<{ x: number; y: number }> {
  const p = await page.evaluate(
    ([px, py]) => (globalThis as unknown as PageGlobals).__cellposeStudio?.imageToScreen(px, py) ?? null,
    [x, y] as const,
  );
  if (!p) throw new Error('no image on screen');
  // Chromium delivers mouse events at whole CSS pixels; a rounded centre stays inside the image
  // pixel whenever it is at least one screen pixel wide (the tests zoom to >= 1).
  return { x: Math.round(p.x), y: Math.round(p.y) };
}

/** Wait until the canvas has painted at least once more than `before`. */
export async function waitForPaint(page: Page, before: number): Promise<void> {
  await page.waitForFunction((n) => ((globalThis as unknown as PageGlobals).__cellposeStudio?.paintCount() ?? 0) > n, before, {
    timeout: 10_000,
  });
}

export async function paintCount(page: Page): Promise<number> {
  return page.evaluate(() => (globalThis as unknown as PageGlobals).__cellposeStudio?.paintCount() ?? 0);
}

export async function openTimings(page: Page): Promise<number[]> {
  return page.evaluate(() => [...((globalThis as unknown as PageGlobals).__cellposeStudio?.openToPaintMs() ?? [])]);
}

/** RGB on screen at page point p: the canvas's Konva layers (image, then mask overlay), each its own
 *  canvas, composited source-over on the black background as the browser shows them. */
export async function canvasColour(page: Page, p: { x: number; y: number }): Promise<[number, number, number]> {
  return page.evaluate(`(() => {
    const layers = document.querySelectorAll('[data-testid="image-canvas"] canvas');
    if (layers.length === 0) throw new Error('no canvas');
    const out = [0, 0, 0];
    for (const c of layers) {
      const r = c.getBoundingClientRect();
      const k = c.width / r.width;
      const d = c.getContext('2d').getImageData(Math.floor((${p.x} - r.left) * k), Math.floor((${p.y} - r.top) * k), 1, 1).data;
      const a = d[3] / 255;
      for (let i = 0; i < 3; i++) out[i] = d[i] * a + out[i] * (1 - a);
    }
    return out.map((v) => Math.round(v));
  })()`);
}

/** Drop a file (bytes from this machine) onto the window, as a user dragging it from a file manager. */
export async function dropFile(page: Page, name: string, bytes: Uint8Array): Promise<void> {
  await page.evaluate(`(() => {
    const data = Uint8Array.from(atob(${JSON.stringify(Buffer.from(bytes).toString('base64'))}), (c) => c.charCodeAt(0));
    const dt = new DataTransfer();
    dt.items.add(new File([data], ${JSON.stringify(name)}));
    document.querySelector('[data-testid="app"]').dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  })()`);
}

/**
 * Wait until the status bar names `file`. On a timeout the error says what the page showed
 * instead (status bar, error banner, the file browser with its problem line and path box) plus
 * `extra()` (e.g. a server's output), so that a failure on CI can be read without a re-run.
 */
export async function waitShowing(page: Page, file: string, extra: () => string = () => '', timeoutMs = 20_000): Promise<void> {
  try {
    await page.getByTestId('status-file').getByText(path.basename(file)).waitFor({ timeout: timeoutMs });
  } catch (e) {
    const seen = await page
      .evaluate(`(() => {
        const t = (id) => { const el = document.querySelector('[data-testid="' + id + '"]'); return el ? JSON.stringify(el.textContent) : 'absent'; };
        return ['status-file', 'error-message', 'file-browser', 'browse-problem', 'browse-path'].map((id) => id + ': ' + t(id)).join('; ')
          + '; browse-path value: ' + JSON.stringify(document.querySelector('[data-testid="browse-path"]')?.value ?? null);
      })()`)
      .catch((why: unknown) => `page not readable: ${String(why)}`);
    await page.screenshot({ path: path.join(SHOTS, `not-showing-${path.basename(file)}.png`) }).catch(() => undefined);
    throw new Error(`${path.basename(file)} not shown within ${timeoutMs} ms. Page: ${String(seen)}. ${extra()}`, { cause: e });
  }
}

/**
 * In the open file browser, type a path and press Enter, as a user would: once its first listing
 * is shown. Typing while that listing was still on its way raced with it (the listing set the path
 * box between fill's select-all and its typing, so the typed path was appended to the home folder;
 * seen once on CI).
 */
export async function enterBrowsePath(page: Page, typedPath: string): Promise<void> {
  await page.locator('[data-testid="file-browser"][data-ready="yes"]').waitFor({ timeout: 20_000 });
  const input = page.getByTestId('browse-path');
  await input.fill(typedPath);
  await input.press('Enter');
}

/** File > Open, type a path, press Enter. */
export async function openThroughBrowser(page: Page, filePath: string): Promise<void> {
  await page.getByTestId('open-button').click();
  await enterBrowsePath(page, filePath);
}
