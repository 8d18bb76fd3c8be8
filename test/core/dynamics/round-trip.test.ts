// Flows from real annotated masks, then masks from those flows: Cellpose's own training targets
// must give the annotation back (dP = 5 * unit flows, cellprob = +/-3).
import { readFileSync } from 'node:fs';
import { decode } from 'fast-png';
import { describe, expect, it } from 'vitest';
import { readImageFile } from '../../../src/backend/io/read-image.ts';
import { computeMasks } from '../../../src/core/dynamics/compute-masks.ts';
import { masksToFlows } from '../../../src/core/dynamics/masks-to-flows.ts';
import type { DynamicsProfile } from '../../../src/core/dynamics/profiles.ts';
import { averagePrecision } from '../../../src/core/masks/average-precision.ts';
import { renumber } from '../../../src/core/masks/renumber.ts';
import { DATA } from '../masks/python-npy.ts';

const DSB = `${DATA}/dsb2018-stage1-fluorescence/masks`;
// 256x256 tiles with many touching nuclei, of different sizes
const NAMES = [
  '00071198d059ba7f5914a526d124d28e6d010c92466da21d4a04cd5413362552',
  '003cee89357d9fe13516167fd67b609a164651b21934585648c740d2c3d86dc1',
  '0280fa8f60f6bcae0f97d93c28f60be194f9309ff610dc5845e60455b0f87c21',
];

function readMask(name: string): { labels: Uint16Array; shape: [number, number] } {
  const png = decode(readFileSync(`${DSB}/${name}.png`));
  const labels = Uint16Array.from(png.data as ArrayLike<number>);
  return { labels, shape: [png.height, png.width] };
}

/** Masks below Cellpose's reach (a seed needs > 10 converged pixels) are dropped from the truth. */
function withoutTiny(labels: Uint16Array, minPx: number): Uint16Array {
  const counts = new Map<number, number>();
  for (const v of labels) counts.set(v, (counts.get(v) ?? 0) + 1);
  const out = labels.map((v) => (v > 0 && (counts.get(v) as number) < minPx ? 0 : v));
  renumber(out);
  return out;
}

function roundTrip(labels: Uint16Array, shape: [number, number], profile: DynamicsProfile): Uint16Array | Uint32Array {
  const flows = masksToFlows(labels, shape, profile === 'v4' ? { variant: 'gpu', centre: 'v4' } : {});
  const dP = flows.map((v) => 5 * v);
  const cellprob = Float32Array.from(labels, (v) => (v > 0 ? 3 : -3));
  return computeMasks(dP, cellprob, shape, { niter: 200, profile });
}

describe('round trip on real DSB2018 annotations (CC0)', () => {
  for (const profile of ['v3-cpu', 'v4'] as DynamicsProfile[]) {
    it(`${profile}: AP50 >= 0.99 on three 256x256 tiles`, () => {
      for (const name of NAMES) {
        const { labels, shape } = readMask(name);
        expect(new Set(labels).size).toBeGreaterThan(10);
        const truth = withoutTiny(labels, 15);
        const pred = roundTrip(truth, shape, profile);
        const ap = averagePrecision([truth], [pred], [0.5, 0.75]);
        expect(ap.ap[0][0], name).toBeGreaterThanOrEqual(0.99);
      }
    });
  }

  it('the StarDist mask (ids not 1..N, 512x512) survives the round trip', async () => {
    const img = await readImageFile(`${DATA}/stardist-dsb2018-sample-2d/mask2d.tif`);
    const shape: [number, number] = [img.height, img.width];
    const raw = Uint16Array.from(img.data.data as ArrayLike<number>);
    const ids = new Set(raw);
    expect(Math.max(...ids)).toBeGreaterThan(ids.size - 1); // labels are not 1..N
    // sparse ids go straight into the flows; the truth is renumbered for scoring only
    const pred = roundTrip(raw, shape, 'v3-cpu');
    const truth = withoutTiny(raw, 15);
    const ap = averagePrecision([truth], [pred], [0.5]);
    expect(ap.ap[0][0]).toBeGreaterThanOrEqual(0.99);
  });
});
