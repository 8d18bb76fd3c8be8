// Live re-threshold in real Chromium on a 1024x1024 image: a cellprob slider step -> api.recomputeMasks
// on the cached flows -> new masks on screen (ROI count text updated). Target: <= 150 ms.
// The 1024^2 case is built from a real run: a real Cellpose 3 checkpoint segments img2d.tif (512^2) through
// the backend, the GUI-layout _seg.npy it saves (float flows included) is tiled 2x2 with numpy,
// and the GUI opens the tiled image, whose _seg.npy (and so its flows) loads with it.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { BenchRow } from './types.ts';
import { segmentAndSaveSeg, tileImageAndSeg } from './tiled-seg.ts';
import { median, ensureWebBuild } from './util.ts';
import { createBackend } from '../src/backend/services/backend.ts';
import { DEFAULT_SEGMENT_PARAMS } from '../src/renderer/src/pure/segment-defaults.ts';
import { DIST_WEB, REPO, openThroughBrowser, stageFiles, startSessionOn } from '../test/e2e/browser.ts';
import { sharedPath } from '../test/helpers/shared-data.ts';

const IMG2D_SOURCE = sharedPath('data/stardist-dsb2018-sample-2d/img2d.tif');
const MODEL_SOURCE = sharedPath('fixtures/cellpose/cp3_nuclei_dsb2018');
const STEPS = 12;
const TARGET_MS = 150;

/** Segment img2d (512^2) with a real Cellpose 3 checkpoint (imported into a temp models folder, so
 *  nothing lands in ~/.cellpose) and save its GUI-layout _seg.npy; returns its path. */
async function segmentedSeg(img: string): Promise<string> {
  process.env.CELLPOSE_LOCAL_MODELS_PATH = mkdtempSync(path.join(tmpdir(), 'cps-rethr-models-'));
  const [model] = stageFiles([MODEL_SOURCE], 'model');
  const backend = createBackend({ homeDir: mkdtempSync(path.join(tmpdir(), 'cps-rethr-home-')), browseRoot: '/' });
  try {
    const info = await backend.importModel({ path: model });
    return await segmentAndSaveSeg(backend, 'bench-rethreshold', img, { ...DEFAULT_SEGMENT_PARAMS, model: info.name, diameterPx: 24 });
  } finally {
    await backend.dispose();
  }
}

export async function run(): Promise<BenchRow[]> {
  await ensureWebBuild();
  const [img] = stageFiles([IMG2D_SOURCE]);
  const seg = await segmentedSeg(img);
  const { big } = tileImageAndSeg(img, seg, path.dirname(img), 2); // 1024^2
  const s = await startSessionOn(DIST_WEB);
  try {
    await openThroughBrowser(s.page, big);
    await s.page.getByTestId('status-file').getByText(path.basename(big)).waitFor({ timeout: 30_000 });
    // Its _seg.npy loads after the image (the page's CSP forbids string predicates: poll instead).
    const roiText = s.page.getByTestId('roi-count');
    for (let t = 0; !/^[1-9]\d* ROIs$/.test((await roiText.textContent()) ?? ''); t++) {
      if (t > 300) {
        await s.page.screenshot({ path: path.join(REPO, 'test-results', 'gui-rethreshold-failed.png') });
        throw new Error(`the tiled _seg.npy did not load (ROI text '${(await roiText.textContent()) ?? ''}')`);
      }
      await s.page.waitForTimeout(100);
    }
    // Two ways of moving the slider, timed from its input event to the frame after the new masks
    // are in: a jump between two thresholds far apart (0 <-> 3: every step changes the ROI count),
    // and a drag in the slider's own 0.25 steps (0 -> 1.5 -> 0), where each step is one more
    // re-threshold (counted by the panel's data-recomputes).
    const measure = async (values: number[]): Promise<{ totals: number[]; stores: number[]; backend: number[] }> => {
      const out = { totals: [] as number[], stores: [] as number[], backend: [] as number[] };
      for (const v of values) {
        const ms = (await s.page.evaluate(`new Promise((resolve, reject) => {
          const el = document.querySelector('[data-testid="segment-cellprob-slider"]');
          const done = () => document.querySelector('[data-testid="recompute-ms"]')?.getAttribute('data-recomputes') ?? '0';
          const before = done();
          const t0 = performance.now();
          el.value = '${v}';
          el.dispatchEvent(new Event('input', { bubbles: true }));
          const tick = () => {
            if (done() !== before) requestAnimationFrame(() => resolve(performance.now() - t0));
            else if (performance.now() - t0 > 20000) reject(new Error('no new masks after 20 s'));
            else requestAnimationFrame(tick);
          };
          requestAnimationFrame(tick);
        })`)) as number;
        out.totals.push(ms);
        const panel = (await s.page.getByTestId('recompute-ms').textContent()) ?? '';
        const m = /(\d+) ms/.exec(panel);
        if (m) out.stores.push(Number(m[1]));
        const b = /masks (\d+) ms/.exec(panel);
        if (b) out.backend.push(Number(b[1]));
      }
      return out;
    };
    const jump = await measure(Array.from({ length: STEPS }, (_, i) => (i % 2 === 0 ? 3 : 0)));
    await measure([0]);
    const drag = await measure([0.25, 0.5, 0.75, 1, 1.25, 1.5, 1.25, 1, 0.75, 0.5, 0.25, 0]);
    const row = (name: string, r: { totals: number[]; stores: number[]; backend: number[] }): BenchRow => {
      const med = median(r.totals);
      return {
        group: 'gui',
        name,
        value: Math.round(med),
        unit: 'ms (median)',
        target: `<= ${TARGET_MS} ms`,
        ok: med <= TARGET_MS,
        note: `${r.totals.length} steps, min ${Math.round(Math.min(...r.totals))} ms, max ${Math.round(Math.max(...r.totals))} ms; request -> masks in the store median ${Math.round(median(r.stores))} ms, of which the backend's mask computation ${Math.round(median(r.backend))} ms`,
      };
    };
    return [row('cellprob slider drag (0.25 steps) -> masks on screen, 1024x1024', drag), row('cellprob slider jump (0 <-> 3) -> masks on screen, 1024x1024', jump)];
  } finally {
    await s.close();
  }
}
