// The optimised per-mask diffusion (runs, two pixels per turn, a window growing from the source)
// must give the same float64 flow errors as the plain numba kernel of Cellpose's CPU variant: a
// full-grid loop over the mask pixels with the nine terms in Cellpose's order.
import { describe, expect, it } from 'vitest';
import { centreIndex } from '../../../src/core/dynamics/centres.ts';
import { flowErrors } from '../../../src/core/dynamics/flow-errors.ts';
import { findObjects } from '../../../src/core/masks/find-objects.ts';
import { rng } from '../../helpers/seeded-random.ts';

/** Cellpose's CPU flow error of every label, the straightforward way. */
function referenceErrors(masks: Uint32Array, dP: Float32Array, ly: number, lx: number): Float64Array {
  const plane = ly * lx;
  const boxes = findObjects(masks, [ly, lx]);
  const max = boxes.labels.length ? boxes.labels[boxes.labels.length - 1] : 0;
  const err = new Float64Array(max).fill(NaN);
  for (let k = 0; k < boxes.labels.length; k++) {
    const label = boxes.labels[k];
    const [y0, x0] = [boxes.y0[k], boxes.x0[k]];
    const rows = boxes.y1[k] - y0 + 2;
    const cols = boxes.x1[k] - x0 + 2;
    const pix: number[] = [];
    const ys: number[] = [];
    const xs: number[] = [];
    for (let y = 1; y < rows - 1; y++) {
      for (let x = 1; x < cols - 1; x++) {
        if (masks[(y0 + y - 1) * lx + x0 + x - 1] !== label) continue;
        pix.push(y * cols + x);
        ys.push(y);
        xs.push(x);
      }
    }
    const c = pix[centreIndex(Int32Array.from(ys), Int32Array.from(xs), pix.length, 'v3', 1, 1)];
    let T = new Float64Array(rows * cols);
    for (let t = 0; t < 2 * (rows + cols); t++) {
      T[c] += 1;
      const next = new Float64Array(rows * cols);
      for (const p of pix) {
        next[p] = (1 / 9) * (T[p] + T[p - cols] + T[p + cols] + T[p - 1] + T[p + 1] + T[p - cols - 1] + T[p - cols + 1] + T[p + cols - 1] + T[p + cols + 1]);
      }
      T = next;
    }
    let sumY = 0;
    let sumX = 0;
    for (const p of pix) {
      const dy = T[p + cols] - T[p - cols];
      const dx = T[p + 1] - T[p - 1];
      const norm = 1e-60 + Math.sqrt(dy * dy + dx * dx);
      const gi = (y0 + ((p / cols) | 0) - 1) * lx + x0 + (p % cols) - 1;
      const ey = dy / norm - Math.fround(dP[gi] / 5);
      const ex = dx / norm - Math.fround(dP[plane + gi] / 5);
      sumY += ey * ey;
      sumX += ex * ex;
    }
    err[label - 1] = sumY / pix.length + sumX / pix.length;
  }
  return err;
}

describe('flow errors (CPU variant)', () => {
  it('equal the plain numba-order kernel bit for bit on random disks, rings, bars, split masks and single pixels', () => {
    for (let seed = 1; seed <= 12; seed++) {
      const r = rng(seed);
      const [ly, lx] = [60, 70];
      const masks = new Uint32Array(ly * lx);
      for (let k = 1; k <= 14; k++) {
        const rad = 1 + Math.floor(r() * 9);
        const cy = Math.floor(r() * ly);
        const cx = Math.floor(r() * lx);
        const kind = Math.floor(r() * 3);
        for (let y = Math.max(0, cy - rad); y < Math.min(ly, cy + rad + 1); y++) {
          for (let x = Math.max(0, cx - rad); x < Math.min(lx, cx + rad + 1); x++) {
            const d2 = (y - cy) ** 2 + (x - cx) ** 2;
            const inside = kind === 0 ? d2 <= rad * rad : kind === 1 ? d2 <= rad * rad && d2 >= (rad - 2) ** 2 : Math.abs(y - cy) <= 1;
            if (inside) masks[y * lx + x] = k;
          }
        }
      }
      // a label split in two pieces and a one-pixel label
      masks[3] = 20;
      masks[ly * lx - 5] = 20;
      masks[(ly >> 1) * lx + 1] = 21;
      const dP = Float32Array.from({ length: 2 * ly * lx }, () => 10 * (r() - 0.5));
      const ours = flowErrors(masks, dP, [ly, lx]);
      const ref = referenceErrors(masks, dP, ly, lx);
      expect(ours.length).toBe(ref.length);
      for (let l = 0; l < ref.length; l++) expect(Object.is(ours[l], ref[l]), `seed ${seed} label ${l + 1}: ${ours[l]} vs ${ref[l]}`).toBe(true);
    }
  });
});
