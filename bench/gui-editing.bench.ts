// Hand-correction performance in real Chromium (headless, --disable-gpu) on a 4096x4096 image with
// 5,000 masks (img2d.tif and its DSB masks tiled 8x8, masks kept in 40 of the 64 tiles): pan and
// zoom frame times, a brush stroke and a traced mask landing, undo, switching overlays/views. The
// renderer records each edit's duration (performance marks) and the test hook reads them.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import type { BenchRow } from './types.ts';
import { ensureWebBuild, median } from './util.ts';
import type { EditingTestHook } from '../src/renderer/src/editing/edit-hook-types.ts';
import { DIST_WEB, REPO, openThroughBrowser, pixelOnScreen, startSessionOn } from '../test/e2e/browser.ts';
import { sharedPath } from '../test/helpers/shared-data.ts';

const DATA = sharedPath('data/stardist-dsb2018-sample-2d');
const FRAME_TARGET_MS = 20; // 50 fps
const EDIT_TARGET_MS = 50;
const VIEW_TARGET_MS = 100;

interface HookGlobals {
  __cellposeEditing?: EditingTestHook;
}

function stats(xs: number[]): { median: number; mean: number; p95: number; max: number } {
  const s = [...xs].sort((a, b) => a - b);
  const mean = s.reduce((a, b) => a + b, 0) / Math.max(1, s.length);
  return { median: s.length ? median(s) : NaN, mean, p95: s[Math.min(s.length - 1, Math.floor(0.95 * s.length))] ?? NaN, max: s[s.length - 1] ?? NaN };
}

async function timings(page: Page): Promise<Record<string, number[]>> {
  return page.evaluate(() => (globalThis as unknown as HookGlobals).__cellposeEditing?.timings() ?? {});
}

async function count(page: Page): Promise<number> {
  return page.evaluate(() => (globalThis as unknown as HookGlobals).__cellposeEditing?.count() ?? -1);
}

/** One synthetic input per animation frame for `frames` frames; returns the frame intervals (ms). */
async function frameIntervals(page: Page, kind: 'zoom' | 'pan', frames: number): Promise<number[]> {
  return page.evaluate(`(async () => {
    const host = document.querySelector('[data-testid="image-canvas"]');
    const r = host.getBoundingClientRect();
    const cx = r.left + r.width / 2, cy = r.top + r.height / 2;
    const out = [];
    let last = await new Promise((res) => requestAnimationFrame(res));
    if (${JSON.stringify(kind)} === 'pan') host.dispatchEvent(new MouseEvent('mousedown', { clientX: cx, clientY: cy, button: 0, buttons: 1, bubbles: true }));
    for (let i = 0; i < ${frames}; i++) {
      if (${JSON.stringify(kind)} === 'zoom') {
        host.dispatchEvent(new WheelEvent('wheel', { clientX: cx + 40 * Math.sin(i / 5), clientY: cy, deltaY: i % 20 < 10 ? -60 : 60, bubbles: true, cancelable: true }));
      } else {
        host.dispatchEvent(new MouseEvent('mousemove', { clientX: cx + 200 * Math.sin(i / 10), clientY: cy + 100 * Math.cos(i / 10), button: 0, buttons: 1, bubbles: true }));
      }
      const t = await new Promise((res) => requestAnimationFrame(res));
      out.push(t - last);
      last = t;
    }
    if (${JSON.stringify(kind)} === 'pan') window.dispatchEvent(new MouseEvent('mouseup', { button: 0, bubbles: true }));
    return out;
  })()`);
}

/** Key press -> the frame after the redraw it causes, measured in the page. */
async function keyToFrameMs(page: Page, key: string): Promise<number> {
  return page.evaluate(`(async () => {
    const t0 = performance.now();
    window.dispatchEvent(new KeyboardEvent('keydown', { key: ${JSON.stringify(key)}, bubbles: true }));
    await new Promise((res) => requestAnimationFrame(() => setTimeout(res, 0)));
    return performance.now() - t0;
  })()`);
}

export async function run(): Promise<BenchRow[]> {
  await ensureWebBuild();
  const tmp = mkdtempSync(path.join(tmpdir(), 'cps-gui-edit-bench-'));
  const img = path.join(tmp, 'tiled-4096.tif');
  const masks = path.join(tmp, 'tiled-4096-masks.tif');
  const nMasks = Number(
    execFileSync('/usr/bin/python3', [
      '-c',
      `import numpy as np, tifffile
a = tifffile.imread(${JSON.stringify(path.join(DATA, 'img2d.tif'))})
m = tifffile.imread(${JSON.stringify(path.join(DATA, 'mask2d.tif'))})
ids = np.unique(m[m > 0]); lut = np.zeros(int(m.max()) + 1, np.int64); lut[ids] = np.arange(1, len(ids) + 1)
m = lut[m]
tiles = []
for t in range(64):
    tiles.append(np.where(m > 0, m + t * len(ids), 0) if t < 40 else np.zeros_like(m))
rows = [np.concatenate(tiles[r * 8:(r + 1) * 8], axis=1) for r in range(8)]
big = np.concatenate(rows, axis=0).astype(np.uint16)
tifffile.imwrite(${JSON.stringify(img)}, np.tile(a, (8, 8)))
tifffile.imwrite(${JSON.stringify(masks)}, big)
print(int(big.max()))`,
    ]).toString(),
  );
  const s = await startSessionOn(DIST_WEB);
  const rows: BenchRow[] = [];
  const row = (name: string, xs: number[], target: number, what: string): void => {
    const st = stats(xs);
    rows.push({
      group: 'gui-editing',
      name,
      value: st.median,
      unit: 'ms',
      target: `<= ${target} ms`,
      ok: st.p95 <= target,
      note: `${what}: median ${st.median.toFixed(1)}, mean ${st.mean.toFixed(1)}, p95 ${st.p95.toFixed(1)}, max ${st.max.toFixed(1)} ms over ${xs.length}; 4096^2, ${nMasks} masks, headless Chromium --disable-gpu`,
    });
  };
  try {
    const { page } = s;
    await openThroughBrowser(page, img);
    await page.getByTestId('status-file').getByText('tiled-4096.tif').waitFor({ timeout: 60_000 });
    // Autosave would write a 32 MB _seg.npy a second after each edit, in the middle of the timings.
    await page.getByTestId('autosave').uncheck();
    await page.getByTestId('masks-path').fill(masks);
    await page.getByTestId('masks-path').press('Enter');
    await page.getByTestId('masks-path').blur();
    await page.waitForFunction((n) => ((globalThis as unknown as HookGlobals).__cellposeEditing?.count() ?? 0) === n, nMasks, { timeout: 120_000 });
    const load = (await timings(page)).replace ?? [];
    rows.push({ group: 'gui-editing', name: 'load 5,000 masks (one undoable step)', value: load[load.length - 1] ?? NaN, unit: 'ms', note: 'replace-from-model of the whole 4096^2 label image' });

    // Zoom in so the edits happen at a usable scale, then measure pan and zoom frames.
    row('zoom frame time', await frameIntervals(page, 'zoom', 60), FRAME_TARGET_MS, 'one wheel event per frame');
    row('pan frame time', await frameIntervals(page, 'pan', 60), FRAME_TARGET_MS, 'one drag move per frame');
    // Empty ground in an unmasked tile (tiles 40..63 hold no masks); zoom in around it with the wheel.
    const bx = 2048;
    const by = 2700;
    await page.keyboard.press('v');
    const hostBox = await page.getByTestId('image-canvas').boundingBox();
    if (!hostBox) throw new Error('no canvas');
    // Five wheel notches take the full view (~18 %) to ~200 %, where strokes are drawn at screen scale.
    for (let i = 0; i < 5; i++) {
      const p = await pixelOnScreen(page, bx, by);
      await page.mouse.move(p.x, p.y);
      await page.mouse.wheel(0, -200);
      await page.waitForTimeout(30);
    }
    const strokes: number[] = [];
    const traces: number[] = [];
    for (let k = 0; k < 6; k++) {
      // Brush stroke (new mask), then a traced mask next to it.
      await page.keyboard.press('p');
      const y = by - 90 + k * 25;
      const a = await pixelOnScreen(page, bx - 60, y);
      await page.mouse.move(a.x, a.y);
      await page.mouse.down();
      for (let x = bx - 58; x <= bx - 20; x += 2) {
        const q = await pixelOnScreen(page, x, y);
        await page.mouse.move(q.x, q.y);
      }
      await page.mouse.up();
      const t1 = await timings(page);
      const se = t1['stroke-end'] ?? [];
      strokes.push(se[se.length - 1] ?? NaN);
      await page.keyboard.press('v');
      const c = await count(page);
      // Radius 12 px: Cellpose closes a trace only after it went farther than max(6, 3*brush) = 9 px.
      const cx = bx + 30;
      const s0 = await pixelOnScreen(page, cx + 12, y);
      await page.mouse.click(s0.x, s0.y, { button: 'right' });
      for (let i = 1; i <= 24; i++) {
        const q = await pixelOnScreen(page, Math.round(cx + 12 * Math.cos((2 * Math.PI * i) / 24)), Math.round(y + 12 * Math.sin((2 * Math.PI * i) / 24)));
        await page.mouse.move(q.x, q.y);
      }
      try {
        await page.waitForFunction((n) => ((globalThis as unknown as HookGlobals).__cellposeEditing?.count() ?? 0) > n, c, { timeout: 10_000 });
      } catch (e) {
        await page.screenshot({ path: path.join(REPO, 'test-results', 'e2e', 'bench-editing-trace-failed.png') });
        const msg = await page.evaluate(() => (globalThis as unknown as HookGlobals).__cellposeEditing?.message() ?? null);
        throw new Error(`trace ${k} did not land (count ${c}, message ${String(msg)})`, { cause: e });
      }
      const tr = (await timings(page)).trace ?? [];
      traces.push(tr[tr.length - 1] ?? NaN);
    }
    const t = await timings(page);
    row('brush stroke lands (end of stroke -> masks, outlines, repaint)', strokes, EDIT_TARGET_MS, 'endStroke incl. outline refresh');
    row('brush move (one mouse move while painting)', t['stroke-move'] ?? [], EDIT_TARGET_MS, 'extendStroke + dirty repaint');
    row('traced mask lands (close -> new mask painted)', traces, EDIT_TARGET_MS, 'fill, overlap removal, outlines, dirty repaint');
    const repaint = await page.evaluate(() => (globalThis as unknown as HookGlobals).__cellposeEditing?.repaintMs() ?? []);
    row('dirty-rectangle repaint', repaint, EDIT_TARGET_MS, 'patch + putImageData(dirty rect) + Konva draw');
    for (let i = 0; i < 12; i++) await page.keyboard.press('Control+z');
    const undo = ((await timings(page)).undo ?? []).slice(-12);
    row('undo', undo, EDIT_TARGET_MS, '12 undos of strokes and traces');
    const toggles: number[] = [];
    for (let i = 0; i < 6; i++) toggles.push(await keyToFrameMs(page, i % 2 ? 'x' : 'z'));
    row('switch overlay (X masks / Z outlines) -> next frame', toggles, VIEW_TARGET_MS, 'fills and outline layers are cached canvases: a toggle shows or hides one');
    const views: number[] = [];
    for (let i = 0; i < 4; i++) views.push(await keyToFrameMs(page, i % 2 ? 'r' : 'g'));
    row('switch colour mode (R / G) -> next frame', views, VIEW_TARGET_MS, 'the cached RGB plane under a multiply tint');
    // Three rounds of: a new saturation level (never cached: the shown plane is recomposed), then
    // S through all six colour modes back to the start. In each round the first visit to spectral
    // composes the whole plane (a cache miss); RGB, red, green, blue and gray reuse the RGB plane.
    const levels: number[] = [];
    const cycle: number[] = [];
    const firstSpectral: number[] = [];
    for (let round = 0; round < 3; round++) {
      levels.push(
        await page.evaluate(`(async () => {
          const el = document.querySelector('[data-testid="saturation-0-high"]');
          const t0 = performance.now();
          el.value = String(${150 + 5 * round});
          el.dispatchEvent(new Event('input', { bubbles: true }));
          await new Promise((res) => requestAnimationFrame(() => setTimeout(res, 0)));
          return performance.now() - t0;
        })()`),
      );
      // Idle time between rounds, as between a user's actions (the canvas prepares a spare plane then).
      await page.waitForTimeout(300);
      let spectralSeen = false;
      for (let i = 0; i < 6; i++) {
        const ms = await keyToFrameMs(page, 's');
        if (!spectralSeen && (await page.getByTestId('colour-mode').inputValue()) === 'spectral') {
          spectralSeen = true;
          firstSpectral.push(ms);
        } else cycle.push(ms);
      }
    }
    row('switch colour mode (S through the other five, cached) -> next frame', cycle, VIEW_TARGET_MS, 'RGB/red/green/blue/gray from the cached RGB plane, spectral once cached');
    row('first switch to a mode not yet shown (spectral) -> next frame', firstSpectral, VIEW_TARGET_MS, 'cache miss: full 4096^2 compose + putImageData');
    const lv = stats(levels);
    rows.push({
      group: 'gui-editing',
      name: 'saturation level change -> next frame (not a view switch: no target)',
      value: lv.median,
      unit: 'ms',
      note: `a contrast change always recomposes the 4096^2 plane: median ${lv.median.toFixed(1)}, max ${lv.max.toFixed(1)} ms over ${levels.length}`,
    });
    // Selecting masks (click with the select tool) at full view: only the old and the new
    // selected mask's boxes are repainted, not the 4096^2 overlay.
    await page.keyboard.press('v');
    const host = await page.getByTestId('image-canvas').boundingBox();
    if (!host) throw new Error('no canvas');
    await page.mouse.dblclick(host.x + host.width / 2, host.y + host.height / 2);
    const picks = (await page.evaluate(`(async () => {
      const h = globalThis.__cellposeEditing;
      const st = globalThis.__cellposeStudio;
      const el = document.querySelector('[data-testid="image-canvas"]');
      const out = [];
      let changed = 0;
      for (let y = 100; y < 2500 && out.length < 10; y += 157) {
        for (let x = 100; x < 4000 && out.length < 10; x += 211) {
          if (h.labelAt(x, y) <= 0) continue;
          const p = st.imageToScreen(x, y);
          const before = h.selected();
          const t0 = performance.now();
          el.dispatchEvent(new MouseEvent('mousedown', { clientX: p.x, clientY: p.y, button: 0, buttons: 1, bubbles: true }));
          window.dispatchEvent(new MouseEvent('mouseup', { clientX: p.x, clientY: p.y, button: 0, bubbles: true }));
          await new Promise((res) => requestAnimationFrame(() => setTimeout(res, 0)));
          out.push(performance.now() - t0);
          if (h.selected() !== before) changed++;
        }
      }
      return { out, changed };
    })()`)) as { out: number[]; changed: number };
    row('select a mask (click) -> next frame', picks.out, VIEW_TARGET_MS, `${picks.changed} of ${picks.out.length} clicks changed the selection; full view`);
    return rows;
  } finally {
    await s.close();
    rmSync(tmp, { recursive: true, force: true });
  }
}
