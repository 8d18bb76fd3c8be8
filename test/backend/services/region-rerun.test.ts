// "Segment only inside a region" through the backend with the bundled model on real data: after
// a cell is deleted by hand, a run limited to a disc round it (all other masks sent as keepMasks)
// brings that cell back as the same mask the full run found, and leaves every other mask as it was.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, type BackendHandle } from '../../../src/backend/services/backend.ts';
import type { SegmentParams, WireArray } from '../../../src/shared/contract.ts';
import { sharedPath } from '../../helpers/shared-data.ts';

const IMG = sharedPath('data/stardist-dsb2018-sample-2d/img2d.tif');

function labelsOf(w: WireArray): Uint16Array | Uint32Array {
  return w.dtype === 'uint32' ? new Uint32Array(w.data) : new Uint16Array(w.data);
}

describe('segment with keepMasks + region (the GUI region re-run)', () => {
  let backend: BackendHandle;
  // The GUI's defaults (renderer/src/pure/segment-defaults.ts): the bundled model, diameter 30.
  const params: SegmentParams = {
    model: 'cpsd_nuclei_v1', diameterPx: 30, chan: 0, chan2: 0, flowThreshold: 0.4, cellprobThreshold: 0, minSize: 15, niter: 0,
    normPercentile: [1, 99], normalize: true, invert: false, augment: false, do3D: false, stitchThreshold: 0, anisotropy: 1, fast: false,
  };
  beforeAll(() => {
    backend = createBackend({ homeDir: mkdtempSync(path.join(tmpdir(), 'cps-region-')), browseRoot: '/' });
  });
  afterAll(async () => {
    await backend.dispose();
  });

  it('re-finds a deleted cell inside the region and keeps every other mask pixel for pixel', async () => {
    const full = await backend.segment({ jobId: 'full', imagePath: IMG, params });
    const [, h, w] = full.masks.shape;
    const first = labelsOf(full.masks);
    let n = 0;
    for (const v of first) n = Math.max(n, v);
    expect(n).toBeGreaterThan(80);
    // The model's largest mask: delete it, renumbering the others as the GUI's delete does.
    const area = new Uint32Array(n + 1);
    for (const v of first) area[v]++;
    let gone = 1;
    for (let k = 2; k <= n; k++) if (area[k] > area[gone]) gone = k;
    let sx = 0;
    let sy = 0;
    for (let i = 0; i < first.length; i++) {
      if (first[i] === gone) {
        sx += i % w;
        sy += Math.floor(i / w);
      }
    }
    const cx = sx / area[gone];
    const cy = sy / area[gone];
    const keep = new Uint16Array(first.length);
    for (let i = 0; i < first.length; i++) keep[i] = first[i] === gone ? 0 : first[i] > gone ? first[i] - 1 : first[i];
    // A disc round the cell, wide enough to hold it (radius from its area, doubled).
    const r = 2 * Math.sqrt(area[gone] / Math.PI);
    const region = new Uint8Array(h * w);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) if (Math.hypot(x - cx, y - cy) <= r) region[y * w + x] = 1;

    const again = await backend.segment({
      jobId: 'region',
      imagePath: IMG,
      params,
      keepMasks: { dtype: 'uint16', shape: [h, w], data: keep.slice().buffer },
      region: { dtype: 'uint8', shape: [h, w], data: region.buffer },
    });
    const out = labelsOf(again.masks);
    // The cell is back as one new mask with exactly the full run's pixels ...
    const back = out[Math.round(cy) * w + Math.round(cx)];
    expect(back).toBe(n);
    let same = 0;
    let other = 0;
    for (let i = 0; i < out.length; i++) {
      if (first[i] === gone) {
        if (out[i] === back) same++;
      } else if (out[i] === back) other++;
    }
    expect(same).toBe(area[gone]);
    expect(other).toBe(0);
    // ... and every kept mask is where it was (ids come back 1..n-1 in raster order of appearance).
    const map = new Map<number, number>();
    let moved = 0;
    for (let i = 0; i < out.length; i++) {
      if (keep[i] === 0) continue;
      const was = map.get(keep[i]);
      if (was === undefined) map.set(keep[i], out[i]);
      else if (was !== out[i]) moved++;
    }
    expect(moved).toBe(0);
    expect(map.size).toBe(n - 1);
    let maxOut = 0;
    for (const v of out) maxOut = Math.max(maxOut, v);
    expect(maxOut).toBe(n);
  }, 120_000);
});
