// GUI open-to-first-paint in real Chromium: from the renderer's "open requested" mark (just before
// the api call) to the frame after the image is drawn, for img2d.tif (512x512 uint16) and a
// 2048x2048 uint16 TIFF (img2d tiled 4x4, written by tifffile). Target: <= 500 ms.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { BenchRow } from './types.ts';
import { median, ensureWebBuild } from './util.ts';
import { DIST_WEB, openThroughBrowser, openTimings, stageFiles, startSessionOn } from '../test/e2e/browser.ts';
import { sharedPath } from '../test/helpers/shared-data.ts';

const IMG2D_SOURCE = sharedPath('data/stardist-dsb2018-sample-2d/img2d.tif');
const RUNS = 5;
const TARGET_MS = 500;

export async function run(): Promise<BenchRow[]> {
  await ensureWebBuild();
  // Open a copy: the app writes journals / _seg.npy next to opened images, never in /work/shared.
  const [IMG2D] = stageFiles([IMG2D_SOURCE]);
  const tmp = mkdtempSync(path.join(tmpdir(), 'cps-gui-bench-'));
  const big = path.join(tmp, 'img2d-tiled-2048.tif');
  execFileSync('/usr/bin/python3', [
    '-c',
    `import numpy as np, tifffile; a = tifffile.imread(${JSON.stringify(IMG2D)}); tifffile.imwrite(${JSON.stringify(big)}, np.tile(a, (4, 4)))`,
  ]);
  const s = await startSessionOn(DIST_WEB);
  try {
    const files = [
      { name: 'img2d.tif 512x512 uint16', path: IMG2D, size: '512x512' },
      { name: '2048x2048 uint16 TIFF', path: big, size: '2048x2048' },
    ];
    const times = new Map<string, number[]>(files.map((f) => [f.name, []]));
    const responses = new Map<string, number[]>(files.map((f) => [f.name, []]));
    // Alternate the two files so every open is a real change of image (and caches stay honest).
    for (let r = 0; r < RUNS; r++) {
      for (const f of files) {
        const before = (await openTimings(s.page)).length;
        await openThroughBrowser(s.page, f.path);
        await s.page.waitForFunction(
          (n) => ((globalThis as unknown as { __cellposeStudio?: { openToPaintMs(): readonly number[] } }).__cellposeStudio?.openToPaintMs().length ?? 0) > n,
          before,
          { timeout: 30_000 },
        );
        const all = await openTimings(s.page);
        times.get(f.name)?.push(all[all.length - 1]);
        const stages = await s.page.evaluate(() => (globalThis as unknown as { __cellposeStudio?: { openStages(): Record<string, number> } }).__cellposeStudio?.openStages() ?? {});
        if (stages.response !== undefined) responses.get(f.name)?.push(stages.response);
      }
    }
    return files.map((f) => {
      const t = times.get(f.name) ?? [];
      const m = median(t);
      return {
        group: 'gui',
        name: `open -> first paint, ${f.name}`,
        value: m,
        unit: 'ms',
        target: `<= ${TARGET_MS} ms`,
        ok: m <= TARGET_MS,
        note:
          `median of ${t.length} in headless Chromium --disable-gpu (min ${Math.min(...t).toFixed(0)}, max ${Math.max(...t).toFixed(0)}); ` +
          `of which backend reply ${median(responses.get(f.name) ?? []).toFixed(0)} ms`,
      };
    });
  } finally {
    await s.close();
    rmSync(tmp, { recursive: true, force: true });
  }
}
