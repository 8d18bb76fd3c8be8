// Issue 6 end to end in Chromium against the real server + backend: import a real Cellpose 3
// checkpoint as a custom model, segment img2d.tif with it (progress seen, a cancelled second run
// keeps the first run's masks), walk the views with PageDown/PageUp, drag the cellprob slider
// (masks change with no new network run), Ctrl+S, compare the saved _seg.npy with the CLI's masks
// in numpy, and reopen the image (its _seg.npy loads). Only temp copies are opened or written.
import { execFile, execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { decode as decodePng } from 'fast-png';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCellposeModel } from '../../src/backend/inference/load-model.ts';
import { OrtNetwork } from '../../src/backend/inference/ort-network.ts';
import { readImageFile } from '../../src/backend/io/read-image.ts';
import { createBackend, type BackendHandle } from '../../src/backend/services/backend.ts';
import { maxLabel } from '../../src/core/masks/labels.ts';
import { directDeps } from '../../src/core/pipeline/direct-masks.ts';
import { segment } from '../../src/core/pipeline/segment.ts';
import { DEFAULT_NORMALIZE } from '../../src/core/transforms/normalize-img.ts';
import { startServer, type RunningServer } from '../../src/server/server.ts';
import { DIST_WEB, REPO, SHOTS, enterBrowsePath, launchChromium, openThroughBrowser, roiCount, stageFiles } from './browser.ts';
import { sharedPath } from '../helpers/shared-data.ts';

const IMG = sharedPath('data/stardist-dsb2018-sample-2d/img2d.tif');
const MODEL_DIR = sharedPath('fixtures/cellpose');
const MODEL = 'cp3_nuclei_dsb2018';

const [GUI_IMG] = stageFiles([IMG], 'gui');
const [CLI_IMG] = stageFiles([IMG], 'cli');
const modelCopyDir = mkdtempSync(path.join(tmpdir(), 'cps-e2e-model-'));
copyFileSync(path.join(MODEL_DIR, MODEL), path.join(modelCopyDir, MODEL));
const MODEL_COPY = path.join(modelCopyDir, MODEL);
// Nothing may land in the user's ~/.cellpose: the backend's models folder is a temp dir.
const modelsFolder = mkdtempSync(path.join(tmpdir(), 'cps-e2e-models-'));
process.env.CELLPOSE_LOCAL_MODELS_PATH = modelsFolder;

const shot = (page: Page, name: string): Promise<Buffer> => page.screenshot({ path: path.join(SHOTS, `segment-gui-${name}.png`) });

/** Set a range input as a drag does: a run of input events, then one change event. */
async function dragRange(page: Page, testId: string, values: number[]): Promise<void> {
  await page.evaluate(
    `(() => {
      const el = document.querySelector('[data-testid="${testId}"]');
      for (const v of ${JSON.stringify(values)}) {
        el.value = String(v);
        el.dispatchEvent(new Event('input', { bubbles: true }));
      }
      el.dispatchEvent(new Event('change', { bubbles: true }));
    })()`,
  );
}

describe('segment and inspect in the GUI (issue 6)', () => {
  let browser: Browser;
  let server: RunningServer;
  let backend: BackendHandle;
  let page: Page;
  let segmentCalls = 0;
  let recomputeCalls = 0;
  const problems: string[] = [];
  let cliRun: Promise<unknown>;

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    // The CLI run for step 5 starts now and overlaps the browser steps.
    cliRun = promisify(execFile)(
      'node',
      [path.join(REPO, 'bin', 'cellpose-studio.mjs'), 'segment', '--image_path', CLI_IMG, '--pretrained_model', MODEL_COPY, '--diameter', '24'],
      { cwd: REPO, env: { ...process.env, HOME: mkdtempSync(path.join(tmpdir(), 'cps-e2e-clihome-')) }, timeout: 150_000 },
    );
    const home = mkdtempSync(path.join(tmpdir(), 'cps-e2e-home-'));
    backend = createBackend({ homeDir: home, browseRoot: '/' });
    // Count the backend calls the page makes: a re-threshold must never be a model run.
    const counted = new Proxy(backend, {
      get(target, prop, receiver) {
        const v: unknown = Reflect.get(target, prop, receiver);
        if (typeof v !== 'function') return v;
        return (...args: unknown[]) => {
          if (prop === 'segment') segmentCalls++;
          if (prop === 'recomputeMasks') recomputeCalls++;
          return (v as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
    server = await startServer({ port: 0, staticDir: DIST_WEB, backend: counted });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    page.on('pageerror', (e) => problems.push(e.message));
    await page.goto(server.url);
    await page.locator('[data-testid="app"][data-ready="yes"]').waitFor({ timeout: 20_000 });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await backend?.dispose();
  });

  it('imports a model, segments with progress, cancels, re-thresholds live, saves like the CLI and reloads', async () => {
    // 1) open the image
    await openThroughBrowser(page, GUI_IMG);
    await page.getByTestId('status-file').getByText('img2d.tif').waitFor();
    await shot(page, '1-opened');

    // 2) import the checkpoint as a custom model; it becomes the chosen model
    await page.getByTestId('import-model-path').fill(MODEL_COPY);
    await page.getByTestId('import-model').click();
    await page.getByTestId('import-model-message').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('segment-model').inputValue()).toBe(MODEL);
    expect(await page.locator(`[data-testid="segment-model"] optgroup[label="custom models"] option[value="${MODEL}"]`).count()).toBe(1);
    // as Cellpose 3's GUI does, choosing the model set the diameter to its diam_labels (the
    // checkpoint stores 21.335; the box shows 2 decimals, as Cellpose's '%0.2f')
    expect(await page.getByTestId('segment-diameter').inputValue()).toBe('21.34');
    expect(await page.getByTestId('segment-diameter-note').textContent()).toContain("the model's diam_labels");
    // choosing the bundled model takes its diam_labels (23.49), choosing the import again takes 21.34
    await page.getByTestId('segment-model').selectOption('cpsd_nuclei_v1');
    expect(await page.getByTestId('segment-diameter').inputValue()).toBe('23.49');
    await page.getByTestId('segment-model').selectOption(MODEL);
    expect(await page.getByTestId('segment-diameter').inputValue()).toBe('21.34');

    await page.getByTestId('segment-diameter').fill('24');
    await page.getByTestId('segment-diameter').press('Tab');
    expect(await page.getByTestId('segment-diameter-note').count()).toBe(0);
    // Record every progress text the panel shows during the run.
    await page.evaluate(`(() => {
      window.__seen = [];
      window.__poll = setInterval(() => {
        const t = document.querySelector('[data-testid="segment-stage"]')?.textContent;
        if (t && window.__seen[window.__seen.length - 1] !== t) window.__seen.push(t);
      }, 50);
    })()`);
    const t0 = Date.now();
    await page.getByTestId('segment-run').click();
    await expect.poll(() => page.getByTestId('segment-run').isDisabled(), { timeout: 150_000, interval: 250 }).toBe(false);
    const runMs = Date.now() - t0;
    const seen = (await page.evaluate('(() => { clearInterval(window.__poll); return window.__seen; })()')) as string[];
    expect(await page.getByTestId('error-banner').count()).toBe(0);
    const percents = seen.map((s) => Number(/(\d+)%/.exec(s)?.[1] ?? NaN)).filter((n) => Number.isFinite(n));
    console.log(`model run ${runMs} ms; progress seen: ${seen.join(' | ')}`);
    expect(percents.length).toBeGreaterThanOrEqual(2);
    expect(Math.max(...percents)).toBeGreaterThan(Math.min(...percents));
    const firstCount = await roiCount(page);
    expect(firstCount).toBeGreaterThan(50);
    expect(await page.getByTestId('masks-model').textContent()).toContain(MODEL);
    expect(segmentCalls).toBe(1);
    await shot(page, '2-segmented');

    // A second run, cancelled: the first run's masks stay, with no error.
    await page.getByTestId('segment-run').click();
    await page.getByTestId('segment-cancel').waitFor();
    await page.getByTestId('segment-cancel').click();
    await expect.poll(() => page.getByTestId('segment-run').isDisabled(), { timeout: 30_000, interval: 200 }).toBe(false);
    await page.getByTestId('segment-cancelled').waitFor();
    expect(await page.getByTestId('error-banner').count()).toBe(0);
    expect(await roiCount(page)).toBe(firstCount);
    expect(segmentCalls).toBe(2);
    await shot(page, '3-cancelled');

    // 3) the views, with PageDown / PageUp (gradZ is skipped on a 2-D image)
    await page.locator('body').click({ position: { x: 5, y: 845 } });
    const views: string[] = [];
    for (const key of ['PageDown', 'PageDown', 'PageDown', 'PageUp', 'PageUp']) {
      await page.keyboard.press(key);
      const v = await page.getByTestId('view-select').inputValue();
      views.push(v);
      if (key === 'PageDown' && views.length <= 2) await shot(page, `4-view-${v}`);
    }
    expect(views).toEqual(['gradXY', 'cellprob', 'image', 'cellprob', 'gradXY']);
    await page.keyboard.press('PageDown');
    await page.keyboard.press('PageDown');
    expect(await page.getByTestId('view-select').inputValue()).toBe('image');

    // 4) drag the cellprob slider: masks follow from the cached flows, no new model run
    const before = recomputeCalls;
    const tDrag = Date.now();
    await dragRange(page, 'segment-cellprob-slider', [0.5, 1, 1.5, 2, 2.5, 3]);
    await expect.poll(async () => roiCount(page), { timeout: 20_000, interval: 100 }).not.toBe(firstCount);
    await expect.poll(() => page.getByTestId('segment-cellprob-threshold').inputValue()).toBe('3');
    // Let the coalesced requests drain; the last one applied is the latest value (3).
    await page.waitForTimeout(1500);
    const highCount = await roiCount(page);
    const dragMs = Date.now() - tDrag;
    expect(highCount).toBeLessThan(firstCount);
    expect(segmentCalls).toBe(2);
    // Coalesced: six slider values, at most a first request plus the latest one.
    expect(recomputeCalls - before).toBeGreaterThanOrEqual(1);
    expect(recomputeCalls - before).toBeLessThanOrEqual(2);
    console.log(`cellprob 0 -> 3: ${firstCount} -> ${highCount} ROIs, ${recomputeCalls - before} recompute calls, ${dragMs} ms; panel says ${await page.getByTestId('recompute-ms').textContent()}`);
    await shot(page, '5-cellprob3');
    // Back to the defaults, which must give the first run's masks again.
    await dragRange(page, 'segment-cellprob-slider', [0]);
    await expect.poll(async () => roiCount(page), { timeout: 20_000, interval: 100 }).toBe(firstCount);
    expect(segmentCalls).toBe(2);
    // A re-threshold becomes an undo step when the slider rests; Ctrl+Z right away (before that)
    // still undoes exactly this last value (back to cellprob 3), and Ctrl+Y brings it back.
    await page.locator('body').click({ position: { x: 5, y: 845 } });
    await page.keyboard.press('Control+z');
    await expect.poll(async () => roiCount(page), { timeout: 10_000, interval: 100 }).toBe(highCount);
    await page.keyboard.press('Control+y');
    await expect.poll(async () => roiCount(page), { timeout: 10_000, interval: 100 }).toBe(firstCount);

    // 5) Ctrl+S writes <stem>_seg.npy (GUI layout); its masks equal the CLI's for the same settings
    await page.locator('body').click({ position: { x: 5, y: 845 } });
    await page.keyboard.press('Z'); // outlines on, for the picture
    await page.keyboard.press('Control+s');
    const segPath = GUI_IMG.replace(/\.tif$/, '_seg.npy');
    const cliSeg = CLI_IMG.replace(/\.tif$/, '_seg.npy');
    await expect.poll(async () => (await page.getByTestId('edit-save').isDisabled()) === false, { timeout: 10_000 }).toBe(true);
    await shot(page, '6-saved');
    await cliRun;
    const check = execFileSync(
      'python3',
      [
        '-c',
        `
import sys, numpy as np
g = np.load(sys.argv[1], allow_pickle=True).item()
c = np.load(sys.argv[2], allow_pickle=True).item()
gm, cm = g['masks'], c['masks']
flt = [f for f in g['flows'] if isinstance(f, np.ndarray) and f.dtype.kind == 'f']
print(gm.shape, int(gm.max()), int(cm.max()), int((gm == cm).all()), int(any(f.ndim >= 3 and f.shape[0] >= 2 for f in flt)), g.get('model_path', ''))
`,
        segPath,
        cliSeg,
      ],
      { encoding: 'utf8', timeout: 30_000 },
    ).trim();
    console.log(`saved vs CLI: ${check}`);
    const [, , , gMax, cMax, same, hasFloatFlows] = /^\((\d+), (\d+)\) (\d+) (\d+) (\d) (\d)/.exec(check) ?? [];
    expect(Number(gMax)).toBe(firstCount);
    expect(Number(cMax)).toBe(firstCount);
    expect(same).toBe('1');
    expect(hasFloatFlows).toBe('1');

    // 6) open the image again: its _seg.npy loads, same masks
    await openThroughBrowser(page, CLI_IMG);
    await page.getByTestId('status-file').getByText('img2d.tif').waitFor();
    await expect.poll(async () => (await page.getByTestId('status-file').getAttribute('title')) ?? '', { timeout: 20_000 }).toBe(CLI_IMG);
    await expect.poll(async () => roiCount(page), { timeout: 20_000, interval: 200 }).toBe(firstCount);
    await openThroughBrowser(page, GUI_IMG);
    // The count must come from this image's own _seg.npy: wait for the switch first.
    await expect.poll(async () => (await page.getByTestId('status-file').getAttribute('title')) ?? '', { timeout: 20_000 }).toBe(GUI_IMG);
    await expect.poll(async () => roiCount(page), { timeout: 20_000, interval: 200 }).toBe(firstCount);
    await expect.poll(() => page.getByTestId('masks-model').textContent()).toContain(MODEL);
    await shot(page, '7-reloaded');
    expect(problems).toEqual([]);
  }, 240_000);

  it('file shortcuts export next to the image, Ctrl+P opens a _seg.npy with its image, view keys act, a bad file leaves the app usable', async () => {
    // The image of the first test (with its masks) is open.
    const dir = path.dirname(GUI_IMG);
    const n = await roiCount(page);
    expect(n).toBeGreaterThan(50);
    await page.locator('body').click({ position: { x: 5, y: 845 } });
    const want: Array<[string, string]> = [
      ['Control+n', 'img2d_cp_masks.png'],
      ['Control+o', 'img2d_cp_outlines.txt'],
      ['Control+r', 'img2d_rois.zip'],
      ['Control+f', 'img2d_cp_cellprob.tif'],
    ];
    for (const [key, file] of want) {
      await page.keyboard.press(key);
      await expect.poll(() => readdirSync(dir), { timeout: 15_000, interval: 200 }).toContain(file);
    }
    // The exported label PNG holds the masks on screen (16-bit, max label = ROI count).
    const png = decodePng(readFileSync(path.join(dir, 'img2d_cp_masks.png')));
    expect([png.width, png.height, png.depth]).toEqual([512, 512, 16]);
    let pngMax = 0;
    for (const v of png.data) pngMax = Math.max(pngMax, v);
    expect(pngMax).toBe(n);

    // View keys (A.18): colour modes, channel toggles, masks / outlines, zoom.
    const colour = page.getByTestId('colour-mode');
    const mode0 = await colour.inputValue();
    await page.keyboard.press('s');
    const mode1 = await colour.inputValue();
    expect(mode1).not.toBe(mode0);
    await page.keyboard.press('ArrowUp');
    expect(await colour.inputValue()).toBe(mode0);
    await page.keyboard.press('g');
    expect(await colour.inputValue()).not.toBe(mode0);
    await page.keyboard.press('g');
    expect(await colour.inputValue()).toBe(mode0);
    const masksOn = await page.getByTestId('masks-on').isChecked();
    const outlinesOn = await page.getByTestId('outlines-on').isChecked();
    await page.keyboard.press('x');
    await page.keyboard.press('z');
    expect([await page.getByTestId('masks-on').isChecked(), await page.getByTestId('outlines-on').isChecked()]).toEqual([!masksOn, !outlinesOn]);
    await page.keyboard.press('x');
    await page.keyboard.press('z');
    expect([await page.getByTestId('masks-on').isChecked(), await page.getByTestId('outlines-on').isChecked()]).toEqual([masksOn, outlinesOn]);
    const zoomText = page.locator('footer.status .zoom');
    const zoomPct = async (): Promise<number> => Number(((await zoomText.textContent()) ?? '').replace('%', ''));
    const z0 = await zoomPct();
    await page.keyboard.press('=');
    await expect.poll(zoomPct).toBeGreaterThan(z0);
    const z1 = await zoomPct();
    await page.keyboard.press('-');
    await expect.poll(zoomPct).toBeLessThan(z1);

    // Ctrl+P on the CLI's _seg.npy: its image opens and the masks load with it.
    await page.keyboard.press('Control+p');
    const cliSeg = CLI_IMG.replace(/\.tif$/, '_seg.npy');
    await enterBrowsePath(page, cliSeg);
    await page.getByTestId('status-file').getByText('img2d.tif').waitFor();
    await expect.poll(async () => (await page.getByTestId('status-file').getAttribute('title')) ?? '', { timeout: 20_000 }).toBe(CLI_IMG);
    await expect.poll(async () => roiCount(page), { timeout: 20_000, interval: 200 }).toBe(n);

    // A corrupt _seg.npy: a clear message naming the problem, the open image stays.
    const bad = path.join(dir, 'broken_seg.npy');
    writeFileSync(bad, Buffer.from('\x93NUMPY garbage'));
    await page.locator('body').click({ position: { x: 5, y: 845 } });
    await page.keyboard.press('Control+p');
    await enterBrowsePath(page, bad);
    await page.getByTestId('error-banner').waitFor({ timeout: 10_000 });
    const msg = (await page.getByTestId('error-banner').textContent()) ?? '';
    console.log(`bad _seg.npy: ${msg}`);
    expect(msg).toMatch(/broken_seg\.npy|npy|NUMPY|header/i);
    expect(await roiCount(page)).toBe(n);
    await shot(page, '8-bad-seg');
    expect(problems).toEqual([]);
  }, 90_000);

  it('smooth and sharpen radii (Cellpose\'s filter settings) reach the engine, Ctrl+S records them in normalize_params with the panel\'s thresholds, and reopening gives the channels and percentiles back', async () => {
    // what the engine makes of this image with these settings (the filter itself is checked
    // against the formula in torch in test/core/transforms/smooth-sharpen.test.ts)
    const model = await loadCellposeModel(MODEL_COPY, { cacheDir: null });
    const net = await OrtNetwork.create(model.onnxBytes, model.spec);
    const deps = { nchan: net.nchan, nout: net.nout, styleDim: net.styleDim, run: net.run.bind(net), model: model.info };
    const image = await readImageFile(GUI_IMG);
    const filtered = { ...DEFAULT_NORMALIZE, smoothRadius: 1.5, sharpenRadius: 8 };
    const want = await segment(image, { diameterPx: 24, channels: [0, 0], normalize: filtered }, deps, directDeps);
    const plain = await segment(image, { diameterPx: 24, channels: [0, 0] }, deps, directDeps);
    await net.release();
    const wantCount = maxLabel(want.masks);
    const plainCount = maxLabel(plain.masks);
    expect(wantCount).not.toBe(plainCount);

    await openThroughBrowser(page, GUI_IMG);
    await expect.poll(async () => (await page.getByTestId('status-file').getAttribute('title')) ?? '', { timeout: 20_000 }).toBe(GUI_IMG);
    await page.getByTestId('segment-model').selectOption(MODEL);
    await page.getByTestId('segment-diameter').fill('24');
    await page.getByTestId('segment-diameter').press('Tab');
    const more = page.getByTestId('segment-more');
    if ((await more.getAttribute('open')) === null) await more.locator('summary').click();
    await page.getByTestId('segment-smooth-radius').fill('1.5');
    await page.getByTestId('segment-smooth-radius').press('Tab');
    await page.getByTestId('segment-sharpen-radius').fill('8');
    await page.getByTestId('segment-sharpen-radius').press('Tab');
    // a tile_norm block larger than both sides of the image: Cellpose's GUI turns it off before the
    // run (check_filter_params), shows 0 in the box, and the masks are those without it
    await page.getByTestId('segment-tile-norm').fill('4096');
    await page.getByTestId('segment-tile-norm').press('Tab');
    await page.getByTestId('segment-run').click();
    await expect.poll(() => page.getByTestId('segment-run').isDisabled(), { timeout: 120_000, interval: 250 }).toBe(false);
    expect(await page.getByTestId('error-banner').count()).toBe(0);
    await expect.poll(async () => roiCount(page), { timeout: 20_000, interval: 200 }).toBe(wantCount);
    expect(await page.getByTestId('segment-tile-norm').inputValue()).toBe('0');
    expect(await page.getByTestId('segment-filter-note').textContent()).toMatch(/tile_norm blocksize 4096 is bigger than both image dimensions \(\d+ x \d+\): tile_norm turned off/);
    await shot(page, '9-smooth-sharpen');
    // a re-threshold before the save: the file records the panel's threshold, as Cellpose's GUI does
    await dragRange(page, 'segment-cellprob-slider', [1]);
    await expect.poll(async () => roiCount(page), { timeout: 20_000, interval: 100 }).not.toBe(wantCount);
    await page.waitForTimeout(500);
    const cp1Count = await roiCount(page);

    await page.locator('body').click({ position: { x: 5, y: 845 } });
    await page.keyboard.press('Control+s');
    // the save is asynchronous: read the file until it holds this run (numpy, as Cellpose reads it)
    const savedNow = (): string =>
      execFileSync(
        'python3',
        ['-c', `
import sys, numpy as np
d = np.load(sys.argv[1], allow_pickle=True).item()
n = d['normalize_params']
print(int(d['masks'].max()), n['smooth_radius'], n['sharpen_radius'], n['tile_norm_blocksize'], list(n['percentile']), n['norm3D'], n['invert'], d['cellprob_threshold'], d['flow_threshold'])
`, GUI_IMG.replace(/\.tif$/, '_seg.npy')],
        { encoding: 'utf8', timeout: 30_000 },
      ).trim();
    await expect.poll(savedNow, { timeout: 20_000, interval: 500 }).toBe(`${cp1Count} 1.5 8.0 0 [1.0, 99.0] True False 1.0 0.4`);
    // reopening the image loads its _seg.npy, whose channels and percentiles go back into the panel
    // (Cellpose's _load_seg): change both first, then see them restored
    await page.getByTestId('segment-norm-low').fill('5');
    await page.getByTestId('segment-norm-low').press('Tab');
    await page.getByTestId('segment-chan').selectOption('1');
    await openThroughBrowser(page, CLI_IMG);
    await expect.poll(async () => (await page.getByTestId('status-file').getAttribute('title')) ?? '', { timeout: 20_000 }).toBe(CLI_IMG);
    await openThroughBrowser(page, GUI_IMG);
    await expect.poll(async () => (await page.getByTestId('status-file').getAttribute('title')) ?? '', { timeout: 20_000 }).toBe(GUI_IMG);
    await expect.poll(async () => roiCount(page), { timeout: 20_000, interval: 200 }).toBe(cp1Count);
    await expect.poll(() => page.getByTestId('segment-norm-low').inputValue(), { timeout: 10_000 }).toBe('1');
    expect(await page.getByTestId('segment-chan').inputValue()).toBe('0');

    // back to Cellpose's defaults for anything after this test
    await dragRange(page, 'segment-cellprob-slider', [0]);
    for (const id of ['segment-smooth-radius', 'segment-sharpen-radius']) {
      await page.getByTestId(id).fill('0');
      await page.getByTestId(id).press('Tab');
    }
    expect(problems).toEqual([]);
  }, 180_000);
});