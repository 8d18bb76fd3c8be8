// No lost work, end to end in Chromium against the real backend (issue 7):
//  - autosave off: opening another image with unsaved hand edits asks first; Cancel stays, Save
//    writes the _seg.npy (numpy reads it back), Don't save drops the edits and their journal;
//  - autosave on: leaving saves without asking, even within the autosave delay;
//  - leaving the page with unsaved edits raises the browser's beforeunload question, and leaving
//    anyway keeps them in the journal;
//  - a crash of the renderer (chrome://crash), and a SIGKILL of the `npm run web` server process
//    with the renderer gone too, lose nothing: reopening the image restores the edits from the
//    journal and says so.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO, SHOTS, launchChromium, openThroughBrowser, stageFiles, startSession, waitShowing, type Session } from './browser.ts';
import { hook, traceCircle } from './edit-helpers.ts';
import { sharedPath } from '../helpers/shared-data.ts';

const IMG2D = sharedPath('data/stardist-dsb2018-sample-2d/img2d.tif');

/** numpy's view of a _seg.npy: mask count and ismanual. */
function readSeg(seg: string): { n: number; ismanual: boolean[] } {
  return JSON.parse(
    execFileSync('/usr/bin/python3', [
      '-c',
      `import json, numpy as np
d = np.load(${JSON.stringify(seg)}, allow_pickle=True).item()
print(json.dumps({"n": int(d["masks"].max()), "ismanual": [bool(v) for v in d["ismanual"]]}))`,
    ]).toString(),
  ) as { n: number; ismanual: boolean[] };
}

const segOf = (img: string): string => img.replace(/\.tif$/, '_seg.npy');
const journalOf = (img: string): string => `${segOf(img)}.journal`;

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(SHOTS, `no-lost-work-${name}.png`) });
}

/** The status bar names `file`; a timeout says what the page and the spawned server showed. */
let serverOutput = (): string => '';
const pageConsole: string[] = [];
async function showing(page: Page, file: string): Promise<void> {
  await waitShowing(page, file, () => serverOutput());
}

/** The journal has taken the steps sent so far: its size stops changing. */
async function journalSettled(file: string): Promise<void> {
  let last = -1;
  await expect
    .poll(
      () => {
        const size = existsSync(file) ? statSync(file).size : 0;
        const settled = size > 0 && size === last;
        last = size;
        return settled;
      },
      { timeout: 10_000, interval: 300 },
    )
    .toBe(true);
}

describe('leaving an image with unsaved edits', () => {
  let s: Session;
  const [a] = stageFiles([IMG2D]);
  // The same pixels under another name, in another folder, so the status bar tells them apart.
  const b = path.join(path.dirname(stageFiles([IMG2D])[0]), 'other.tif');
  copyFileSync(IMG2D, b);
  beforeAll(async () => {
    s = await startSession();
  });
  afterAll(async () => {
    await s?.close();
  });

  it('autosave off: asks before another image opens; Cancel stays, Save writes the _seg.npy, Don\'t save drops the edits', async () => {
    const { page } = s;
    await openThroughBrowser(page, a);
    await showing(page, a);
    await page.getByTestId('autosave').uncheck();
    await traceCircle(page, 100, 100, 10);
    await expect.poll(() => hook(page, 'count')).toBe(1);

    // Cancel: still on a, the mask still there, nothing written.
    await openThroughBrowser(page, b);
    await page.getByTestId('unsaved-prompt').waitFor();
    expect(await page.getByTestId('unsaved-prompt').textContent()).toContain('img2d.tif');
    await shot(page, '01-asked');
    await page.getByTestId('unsaved-cancel').click();
    await expect.poll(() => page.getByTestId('unsaved-prompt').count()).toBe(0);
    expect(await hook(page, 'labelAt', 100, 100)).toBe(1);
    expect(existsSync(segOf(a))).toBe(false);
    // Escape answers Cancel too.
    await openThroughBrowser(page, b);
    await page.getByTestId('unsaved-prompt').waitFor();
    await page.keyboard.press('Escape');
    await expect.poll(() => page.getByTestId('unsaved-prompt').count()).toBe(0);
    expect(await hook(page, 'count')).toBe(1);

    // Save: a's _seg.npy holds the hand-drawn mask, then b opens (empty).
    await openThroughBrowser(page, b);
    await page.getByTestId('unsaved-save').click();
    await showing(page, b);
    expect(await hook(page, 'count')).toBe(0);
    expect(readSeg(segOf(a))).toEqual({ n: 1, ismanual: [true] });

    // Don't save: b's edit is dropped with its journal; a opens with its saved mask.
    await traceCircle(page, 200, 200, 10);
    await expect.poll(() => hook(page, 'count')).toBe(1);
    await journalSettled(journalOf(b));
    await openThroughBrowser(page, a);
    await page.getByTestId('unsaved-discard').click();
    await showing(page, a);
    await expect.poll(() => hook(page, 'labelAt', 100, 100), { timeout: 20_000 }).toBe(1);
    await expect.poll(() => existsSync(journalOf(b))).toBe(false);
    expect(existsSync(segOf(b))).toBe(false);
    // Back to b: nothing to recover, no question on the way (a has no new edits).
    await openThroughBrowser(page, b);
    await showing(page, b);
    expect(await page.getByTestId('unsaved-prompt').count()).toBe(0);
    // No masks and no journal: the editing document is only made on the first edit.
    await expect.poll(() => hook(page, 'count')).toBe(0);
    expect(await hook(page, 'labelAt', 200, 200)).toBe(-1);
    expect(await hook(page, 'message')).toBeNull();
  }, 120_000);

  it('autosave on: leaving saves at once, without asking', async () => {
    const { page } = s;
    await openThroughBrowser(page, a);
    await showing(page, a);
    await expect.poll(() => hook(page, 'count'), { timeout: 20_000 }).toBe(1);
    await page.getByTestId('autosave').check();
    await traceCircle(page, 150, 60, 10);
    await expect.poll(() => hook(page, 'count')).toBe(2);
    // Well inside the 1 s autosave delay.
    await openThroughBrowser(page, b);
    await showing(page, b);
    expect(await page.getByTestId('unsaved-prompt').count()).toBe(0);
    await expect.poll(() => readSeg(segOf(a)).n, { timeout: 10_000 }).toBe(2);
    expect(readSeg(segOf(a))).toEqual({ n: 2, ismanual: [true, true] });
  }, 60_000);

  it('leaving the page with unsaved edits and autosave off asks first; leaving anyway keeps them in the journal', async () => {
    const { page } = s;
    await page.getByTestId('autosave').uncheck();
    await traceCircle(page, 60, 200, 10);
    await expect.poll(() => hook(page, 'count')).toBe(1);
    await journalSettled(journalOf(b));
    // beforeunload asks only on a page the user has used (the trace's clicks count). Headless
    // Chromium shows it for a reload, the same question as closing the tab.
    const answer = (accept: boolean): Promise<string> =>
      new Promise<string>((resolve) => {
        const timer = setTimeout(() => resolve('no dialog within 10 s'), 10_000);
        page.once('dialog', (d) => {
          clearTimeout(timer);
          resolve(d.type());
          void (accept ? d.accept() : d.dismiss());
        });
      });
    const stay = answer(false);
    const reload = page.reload({ timeout: 3000 }).catch(() => 'stayed');
    expect(await stay).toBe('beforeunload');
    expect(await reload).toBe('stayed');
    expect(await hook(page, 'count')).toBe(1);
    // Leave anyway: the page reloads empty, and reopening the image brings the edit back.
    const leave = answer(true);
    await Promise.all([page.reload(), leave]);
    await page.locator('[data-testid="app"][data-ready="yes"]').waitFor({ timeout: 20_000 });
    await openThroughBrowser(page, b);
    await showing(page, b);
    await expect.poll(() => hook(page, 'count'), { timeout: 20_000 }).toBe(1);
    expect(await hook(page, 'labelAt', 60, 200)).toBe(1);
    expect(await page.getByTestId('edit-message').textContent()).toBe('Recovered 1 unsaved edit(s) of other.tif from the journal');
  }, 60_000);
});

/** `npm run web` as its own process, so that it can be killed like a crashing backend. */
async function startWebServer(home: string): Promise<{ proc: ChildProcess; url: string }> {
  const proc = spawn(process.execPath, ['--import', 'tsx', path.join(REPO, 'src/server/main.ts'), '--port', '0'], {
    cwd: REPO,
    env: { ...process.env, HOME: home, CELLPOSE_STUDIO_TRACE: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  serverOutput = () =>
    `Server output (last 2000 chars): ${JSON.stringify(out.slice(-2000))}. Page console: ${JSON.stringify(pageConsole.slice(-20))}`;
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start: ${out}`)), 60_000);
    proc.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /running at (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    proc.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    proc.once('exit', (code) => reject(new Error(`server exited (${String(code)}): ${out}`)));
  });
  return { proc, url };
}

async function newAppPage(browser: Browser, url: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.on('console', (m) => pageConsole.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => pageConsole.push(`pageerror: ${e.message}`));
  await page.goto(url);
  await page.locator('[data-testid="app"][data-ready="yes"]').waitFor({ timeout: 20_000 });
  return page;
}

describe('crash recovery from the edit journal', () => {
  const home = mkdtempSync(path.join(tmpdir(), 'cps-e2e-crash-home-'));
  const [img] = stageFiles([IMG2D], 'crash');
  let browser: Browser;
  let server: { proc: ChildProcess; url: string } | null = null;
  beforeAll(async () => {
    browser = await launchChromium();
    server = await startWebServer(home);
  });
  afterAll(async () => {
    await browser?.close();
    server?.proc.kill('SIGKILL');
  });

  it('a renderer crash, then a killed backend: each reopen restores every edit and says so', async () => {
    if (!server) throw new Error('no server');
    let page = await newAppPage(browser, server.url);
    await openThroughBrowser(page, img);
    await showing(page, img);
    await page.getByTestId('autosave').uncheck();
    await traceCircle(page, 100, 100, 10);
    await traceCircle(page, 160, 100, 10);
    await expect.poll(() => hook(page, 'count')).toBe(2);
    await journalSettled(journalOf(img));

    // The renderer crashes: no save, no beforeunload.
    const crashed = new Promise<void>((resolve) => page.once('crash', () => resolve()));
    await page.goto('chrome://crash').catch(() => undefined);
    await crashed;
    await page.close();
    expect(existsSync(segOf(img))).toBe(false);
    page = await newAppPage(browser, server.url);
    await openThroughBrowser(page, img);
    await expect.poll(() => hook(page, 'count'), { timeout: 20_000 }).toBe(2);
    expect(await page.getByTestId('edit-message').textContent()).toBe('Recovered 2 unsaved edit(s) of img2d.tif from the journal');
    expect(await hook(page, 'ismanual')).toEqual([true, true]);
    await shot(page, '02-recovered-after-renderer-crash');

    // One more edit, then the backend process is killed (and the page with it).
    await page.getByTestId('autosave').uncheck();
    await traceCircle(page, 100, 180, 10);
    await expect.poll(() => hook(page, 'count')).toBe(3);
    await journalSettled(journalOf(img));
    server.proc.kill('SIGKILL');
    await new Promise((resolve) => server?.proc.once('exit', resolve));
    await page.close();
    expect(existsSync(segOf(img))).toBe(false);

    server = await startWebServer(home);
    page = await newAppPage(browser, server.url);
    await openThroughBrowser(page, img);
    await expect.poll(() => hook(page, 'count'), { timeout: 20_000 }).toBe(3);
    expect(await page.getByTestId('edit-message').textContent()).toMatch(/^Recovered \d+ unsaved edit\(s\) of img2d\.tif from the journal$/);
    for (const [x, y] of [[100, 100], [160, 100], [100, 180]] as const) expect(await hook(page, 'labelAt', x, y)).toBeGreaterThan(0);
    await shot(page, '03-recovered-after-backend-kill');

    // Saved now: numpy reads the three hand-drawn masks, and a reopen has nothing to recover.
    await page.keyboard.press('Control+s');
    await expect.poll(() => hook(page, 'dirty'), { timeout: 10_000 }).toBe(false);
    expect(readSeg(segOf(img))).toEqual({ n: 3, ismanual: [true, true, true] });
    await page.close();
    page = await newAppPage(browser, server.url);
    await openThroughBrowser(page, img);
    await expect.poll(() => hook(page, 'count'), { timeout: 20_000 }).toBe(3);
    expect(await page.getByTestId('edit-message').count()).toBe(0);
  }, 180_000);
});
