// The per-mask path after get_masks (boxes from start points, flow errors and holes per mask, the
// fill from those parts) and the threshold-to-threshold field must give exactly what the
// whole-image stages give: checked on real Cellpose 3.1 flows (cli2d fixture) and on random labels
// with rings, nested masks and holes.
import { describe, expect, it } from 'vitest';
import { finishMasks, prepareDynamics } from '../../../src/core/dynamics/compute-masks.ts';
import { flowErrors } from '../../../src/core/dynamics/flow-errors.ts';
import { blockThresholdBounds, followFlows } from '../../../src/core/dynamics/follow-flows.ts';
import { getMasks } from '../../../src/core/dynamics/get-masks.ts';
import { finishFromParts, maskParts, mergeMaskParts, startPointBoxes } from '../../../src/core/dynamics/mask-parts.ts';
import { ThresholdField } from '../../../src/core/dynamics/rethreshold.ts';
import { findObjects } from '../../../src/core/masks/find-objects.ts';
import { renumber } from '../../../src/core/masks/renumber.ts';
import { rng } from '../../helpers/seeded-random.ts';
import { CLI2D_NITER, cli2dFlows } from './cli2d-flows.ts';


type Numeric = ArrayLike<number> & { constructor: unknown };

/** Index of the first difference (-1: same type, length and values; NaN equals NaN). toEqual is slow on big arrays. */
function firstDiff(a: Numeric | null, b: Numeric): number {
  if (!a || a.constructor !== b.constructor || a.length !== b.length) return -2;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i] && !(Number.isNaN(a[i]) && Number.isNaN(b[i]))) return i;
  return -1;
}

/** The general path: drop flagged labels, then fill_holes_and_remove_small_masks. */
function reference(labels: Uint16Array | Uint32Array, shape: [number, number], drop: Uint8Array | null, minSize: number, legacy: boolean): Uint16Array | Uint32Array {
  const work = labels.slice();
  if (drop) for (let i = 0; i < work.length; i++) if (drop[work[i]]) work[i] = 0;
  return finishMasks(work, shape, { minSize, legacyV31MinSize: legacy });
}

/** Random rectangles, disks and rings (some with a mask inside), numbered as get_masks numbers. */
function ringLabels(seed: number, ly: number, lx: number): { labels: Uint32Array; inds: Int32Array } {
  const r = rng(seed);
  const m = new Uint32Array(ly * lx);
  for (let k = 0; k < 30; k++) {
    const id = 1 + Math.floor(r() * 1000);
    const rad = 2 + Math.floor(r() * 7);
    const cy = Math.floor(r() * ly);
    const cx = Math.floor(r() * lx);
    const kind = r();
    for (let y = Math.max(0, cy - rad); y < Math.min(ly, cy + rad + 1); y++) {
      for (let x = Math.max(0, cx - rad); x < Math.min(lx, cx + rad + 1); x++) {
        const d2 = (y - cy) ** 2 + (x - cx) ** 2;
        if (kind < 0.5 && d2 <= rad * rad && d2 >= (rad - 2) ** 2) m[y * lx + x] = id; // ring
        else if (kind >= 0.5 && d2 <= rad * rad) m[y * lx + x] = id; // disk
      }
    }
    // a small mask inside some rings
    if (kind < 0.25 && rad >= 4) for (const [dy, dx] of [[0, 0], [0, 1], [1, 0], [1, 1]]) if (cy + dy < ly && cx + dx < lx) m[(cy + dy) * lx + cx + dx] = id + 1000;
  }
  renumber(m);
  // start pixels: every labelled pixel and some background, increasing
  const inds: number[] = [];
  for (let i = 0; i < m.length; i++) if (m[i] > 0 || r() < 0.2) inds.push(i);
  return { labels: m, inds: Int32Array.from(inds) };
}

describe('per-mask stages after get_masks', () => {
  const { dP, cellprob, shape } = cli2dFlows();

  it('ThresholdField moved along a slider equals prepareDynamics and blockThresholdBounds at every threshold', () => {
    const tf = new ThresholdField(dP, cellprob, shape);
    for (const t of [0, 0.1, 0.2, 1.5, -2, -1.9, 6, -6, 0]) {
      const inds = tf.setThreshold(t);
      const input = prepareDynamics(dP, cellprob, shape, t, CLI2D_NITER, 'pixel-bilinear');
      const b = blockThresholdBounds(cellprob, shape[0], shape[1], t);
      expect(firstDiff(inds, input?.inds ?? new Int32Array(0))).toBe(-1);
      if (input) expect(firstDiff(tf.field, input.field)).toBe(-1);
      expect(firstDiff(tf.blockLo, b.lo)).toBe(-1);
      expect(firstDiff(tf.blockHi, b.hi)).toBe(-1);
    }
  });

  it('boxes from start points, per-mask errors and the fill from parts equal findObjects, flowErrors and finishMasks (real flows)', () => {
    const r = rng(7);
    for (const t of [0, 0.5, -1, 2.5]) {
      const input = prepareDynamics(dP, cellprob, shape, t, CLI2D_NITER, 'pixel-bilinear');
      if (!input) throw new Error('no foreground');
      const labels = getMasks(followFlows(input), input.inds, shape);
      const boxes = startPointBoxes(labels, input.inds, shape[1]);
      const ref = findObjects(labels, shape);
      expect(boxes.n).toBe(ref.labels.length);
      expect(boxes.y0).toEqual(ref.y0);
      expect(boxes.y1).toEqual(ref.y1);
      expect(boxes.x0).toEqual(ref.x0);
      expect(boxes.x1).toEqual(ref.x1);
      expect(Array.from(boxes.count)).toEqual(Array.from(ref.count));
      // errors in three uneven parts, merged
      const cut1 = Math.floor(boxes.n / 5);
      const cut2 = Math.floor((boxes.n * 3) / 4);
      const parts = mergeMaskParts([maskParts(labels, shape, boxes, 0, cut1, { dP }), maskParts(labels, shape, boxes, cut1, cut2, { dP }), maskParts(labels, shape, boxes, cut2, boxes.n, { dP })], boxes.n);
      expect(firstDiff(parts.errors, flowErrors(labels, dP, shape))).toBe(-1);
      for (const flowThreshold of [0.4, 0.1, 0]) {
        const drop = new Uint8Array(boxes.n + 1);
        for (let l = 1; l <= boxes.n; l++) drop[l] = (parts.errors as Float64Array)[l - 1] > flowThreshold && flowThreshold > 0 ? 1 : 0;
        // and some random drops, for gaps before the min-size rule
        if (flowThreshold === 0) for (let l = 1; l <= boxes.n; l++) if (r() < 0.2) drop[l] = 1;
        for (const minSize of [15, 0, 200]) {
          for (const legacy of [false, true]) {
            const fast = finishFromParts(labels, boxes, parts, drop, minSize, legacy);
            expect(fast).not.toBeNull();
            expect(firstDiff(fast, reference(labels, shape, drop, minSize, legacy))).toBe(-1);
          }
        }
      }
    }
  });

  it('rings, masks inside rings and dropped masks: the fill from parts equals finishMasks, or declines when a hole holds a kept mask', () => {
    let declined = 0;
    let filled = 0;
    for (let seed = 1; seed <= 40; seed++) {
      const [ly, lx] = [48, 56];
      const { labels, inds } = ringLabels(seed, ly, lx);
      const boxes = startPointBoxes(labels, inds, lx);
      const parts = maskParts(labels, [ly, lx], boxes, 0, boxes.n);
      const r = rng(seed + 100);
      for (const minSize of [15, 0, 30]) {
        for (const legacy of [false, true]) {
          const drop = new Uint8Array(boxes.n + 1);
          for (let l = 1; l <= boxes.n; l++) drop[l] = r() < 0.3 ? 1 : 0;
          const fast = finishFromParts(labels, boxes, parts, drop, minSize, legacy);
          if (fast === null) {
            declined++;
            continue;
          }
          if (parts.holePixels.length > 0) filled++;
          expect(fast).toEqual(reference(labels, [ly, lx], drop, minSize, legacy));
        }
      }
    }
    // both branches are exercised
    expect(declined).toBeGreaterThan(0);
    expect(filled).toBeGreaterThan(0);
  });
});
