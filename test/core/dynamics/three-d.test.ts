import { describe, expect, it } from 'vitest';
import { computeMasks, finishMasks } from '../../../src/core/dynamics/compute-masks.ts';
import { masksToFlows } from '../../../src/core/dynamics/masks-to-flows.ts';
import { averagePrecision } from '../../../src/core/masks/average-precision.ts';
import { masksToOutlines } from '../../../src/core/masks/masks-to-outlines.ts';

/** (20, 32, 32) volume with four balls, two of them touching. */
function balls(): { labels: Uint16Array; shape: [number, number, number] } {
  const shape: [number, number, number] = [20, 32, 32];
  const [lz, ly, lx] = shape;
  const labels = new Uint16Array(lz * ly * lx);
  const centres: Array<[number, number, number, number]> = [
    [10, 9, 9, 5],
    [10, 9, 19, 5], // touches the first
    [8, 23, 12, 4.5],
    [12, 22, 25, 5.5],
  ];
  for (let z = 0; z < lz; z++) {
    for (let y = 0; y < ly; y++) {
      for (let x = 0; x < lx; x++) {
        centres.forEach(([cz, cy, cx, r], k) => {
          if ((z - cz) ** 2 + (y - cy) ** 2 + (x - cx) ** 2 <= r * r) labels[(z * ly + y) * lx + x] = 7 * (k + 1);
        });
      }
    }
  }
  return { labels, shape };
}

describe('3-D path (6.3)', () => {
  it('flows are sums of the three orthogonal 2-D flows: components up to 2 in size', () => {
    const { labels, shape } = balls();
    const f = masksToFlows(labels, shape);
    const vol = labels.length;
    let maxAbs = 0;
    for (let i = 0; i < 3 * vol; i++) maxAbs = Math.max(maxAbs, Math.abs(f[i]));
    expect(maxAbs).toBeGreaterThan(1);
    expect(maxAbs).toBeLessThanOrEqual(2 + 1e-6);
    for (let i = 0; i < vol; i++) if (labels[i] === 0) expect(f[i] === 0 && f[vol + i] === 0 && f[2 * vol + i] === 0).toBe(true);
  });

  it('round trip: 3-D flows of four balls give the four balls back (grid-sample dynamics)', () => {
    const { labels, shape } = balls();
    // 3-D flow components are sums of two unit components (|F| up to ~2.8 px per step after the
    // /5); at that step size points overshoot small sinks and a ball can split (seen with 5x:
    // IoU 0.52 for one touching ball, with Cellpose's own update rule). 2.5x keeps steps <= 1.4 px.
    const dP = masksToFlows(labels, shape).map((v) => 2.5 * v);
    const cellprob = Float32Array.from(labels, (v) => (v > 0 ? 3 : -3));
    const m = finishMasks(computeMasks(dP, cellprob, shape, { niter: 200 }), shape, { minSize: 15 });
    const truth = Uint16Array.from(labels, (v) => v / 7);
    const ap = averagePrecision([truth], [m], [0.5, 0.9]);
    expect(ap.tp[0]).toEqual([4, 4]);
    expect(ap.fp[0]).toEqual([0, 0]);
  });

  it('outlines of a volume are computed per z-plane', () => {
    const { labels, shape } = balls();
    const o = masksToOutlines(labels, shape);
    const plane = shape[1] * shape[2];
    const z = 10;
    const one = masksToOutlines(labels.subarray(z * plane, (z + 1) * plane), [shape[1], shape[2]]);
    expect(Array.from(o.subarray(z * plane, (z + 1) * plane))).toEqual(Array.from(one));
  });
});
