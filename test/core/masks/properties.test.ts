// Seeded random label images: sparse ids, touching objects, one-pixel objects, objects on the
// border. Each property is checked on many images.
import { describe, expect, it } from 'vitest';
import { computeMasks } from '../../../src/core/dynamics/compute-masks.ts';
import { masksToFlows } from '../../../src/core/dynamics/masks-to-flows.ts';
import { averagePrecision } from '../../../src/core/masks/average-precision.ts';
import { fillHolesAndRemoveSmallMasks } from '../../../src/core/masks/fill-holes.ts';
import { masksToOutlines } from '../../../src/core/masks/masks-to-outlines.ts';
import { outlinesList } from '../../../src/core/masks/outlines-list.ts';
import { renumber } from '../../../src/core/masks/renumber.ts';
import { rng } from '../../helpers/seeded-random.ts';


/** Rectangles and disks with random sparse ids, overlapping/touching freely, some on the border. */
function randomLabels(seed: number, ly: number, lx: number, nObj: number, minSide = 1): Uint16Array {
  const r = rng(seed);
  const m = new Uint16Array(ly * lx);
  for (let k = 0; k < nObj; k++) {
    const id = 1 + Math.floor(r() * 60000);
    const h = minSide + Math.floor(r() * 12);
    const w = minSide + Math.floor(r() * 12);
    const y0 = Math.floor(r() * ly) - 2;
    const x0 = Math.floor(r() * lx) - 2;
    const disk = r() < 0.5;
    for (let y = Math.max(0, y0); y < Math.min(ly, y0 + h); y++) {
      for (let x = Math.max(0, x0); x < Math.min(lx, x0 + w); x++) {
        if (disk && ((y - y0 - h / 2) / (h / 2)) ** 2 + ((x - x0 - w / 2) / (w / 2)) ** 2 > 1) continue;
        m[y * lx + x] = id;
      }
    }
  }
  // a few single pixels
  for (let k = 0; k < 5; k++) m[Math.floor(r() * ly * lx)] = 60001 + k;
  return m;
}

describe('properties on random label images', () => {
  it('outline pixels are mask pixels touching something else, and every mask has some', () => {
    for (let s = 1; s <= 30; s++) {
      const [ly, lx] = [40, 50];
      const m = randomLabels(s, ly, lx, 12);
      const o = masksToOutlines(m, [ly, lx]);
      const hasOutline = new Set<number>();
      for (let y = 0; y < ly; y++) {
        for (let x = 0; x < lx; x++) {
          const i = y * lx + x;
          if (!o[i]) continue;
          expect(m[i]).toBeGreaterThan(0);
          hasOutline.add(m[i]);
          const edge = y === 0 || x === 0 || y === ly - 1 || x === lx - 1;
          const differs = edge || m[i - 1] !== m[i] || m[i + 1] !== m[i] || m[i - lx] !== m[i] || m[i + lx] !== m[i];
          expect(differs).toBe(true);
        }
      }
      for (const v of new Set(m)) if (v > 0) expect(hasOutline.has(v)).toBe(true);
    }
  });

  it('outline polygons are closed 8-connected chains on their mask, starting at a first raster pixel', () => {
    for (let s = 1; s <= 30; s++) {
      const [ly, lx] = [40, 50];
      const m = randomLabels(100 + s, ly, lx, 12);
      const labels = [...new Set(m)].filter((v) => v > 0).sort((a, b) => a - b);
      const list = outlinesList(m, [ly, lx]);
      expect(list.length).toBe(labels.length);
      list.forEach((poly, k) => {
        if (poly.length === 0) return;
        expect(poly.length).toBeGreaterThan(8);
        const n = poly.length / 2;
        for (let p = 0; p < n; p++) {
          const [x, y] = [poly[2 * p], poly[2 * p + 1]];
          expect(m[y * lx + x]).toBe(labels[k]);
          const q = (p + 1) % n;
          const step = Math.max(Math.abs(poly[2 * q] - x), Math.abs(poly[2 * q + 1] - y));
          expect(step).toBeLessThanOrEqual(1);
        }
        // the start pixel has no pixel of the label to its left or above (first in raster order)
        const [x0, y0] = [poly[0], poly[1]];
        if (x0 > 0) expect(m[y0 * lx + x0 - 1]).not.toBe(labels[k]);
      });
    }
  });

  it('fill + min size gives consecutive labels, none smaller than min_size, only on former foreground or holes', () => {
    for (let s = 1; s <= 30; s++) {
      const [ly, lx] = [40, 50];
      const m = randomLabels(200 + s, ly, lx, 14);
      const out = fillHolesAndRemoveSmallMasks(m, [ly, lx], 15);
      const counts = new Map<number, number>();
      for (const v of out) counts.set(v, (counts.get(v) ?? 0) + 1);
      const ids = [...counts.keys()].filter((v) => v > 0).sort((a, b) => a - b);
      expect(ids).toEqual(ids.map((_, i) => i + 1));
      for (const id of ids) expect(counts.get(id)).toBeGreaterThanOrEqual(15);
      // background pixels that became a mask must be enclosed: never on the image border
      for (let y = 0; y < ly; y++) {
        for (let x = 0; x < lx; x++) {
          const i = y * lx + x;
          if (out[i] > 0 && m[i] === 0) expect(y > 0 && x > 0 && y < ly - 1 && x < lx - 1).toBe(true);
        }
      }
    }
  });

  it('flows from random touching masks give the masks back (AP50 >= 0.9)', () => {
    for (let s = 1; s <= 8; s++) {
      const [ly, lx] = [64, 64];
      const m = randomLabels(300 + s, ly, lx, 10, 6);
      // the truth as Cellpose can see it: visible pieces >= 15 px, renumbered
      const truth = fillHolesAndRemoveSmallMasks(m, [ly, lx], 15);
      const flows = masksToFlows(truth, [ly, lx]);
      const dP = flows.map((v) => 5 * v);
      const cellprob = Float32Array.from(truth, (v) => (v > 0 ? 3 : -3));
      const pred = computeMasks(dP, cellprob, [ly, lx], { niter: 200 });
      const ap = averagePrecision([truth], [pred], [0.5]);
      expect(ap.ap[0][0]).toBeGreaterThanOrEqual(0.9);
    }
  });

  it('renumber is idempotent and orders by first appearance', () => {
    for (let s = 1; s <= 20; s++) {
      const m = Uint32Array.from(randomLabels(400 + s, 30, 30, 8));
      renumber(m);
      const again = m.slice();
      renumber(again);
      expect(Array.from(again)).toEqual(Array.from(m));
      let seen = 0;
      for (const v of m) {
        if (v > seen) {
          expect(v).toBe(seen + 1);
          seen = v;
        }
      }
    }
  });
});
