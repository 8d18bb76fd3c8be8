// Live re-threshold coalescing (pure/latest-only, used by the jobs store for slider drags): one
// call in flight, then only the latest value; the masks left on screen are the latest value's.
// The stand-in "backend" answers with real masks (mask2d.tif, ids above a threshold-dependent id
// removed), released by the test one at a time.
import { describe, expect, it } from 'vitest';
import { latestOnly } from '../../src/renderer/src/pure/latest-only.ts';
import { asUint16, pythonArray } from './python-truth.ts';
import { sharedPath } from '../helpers/shared-data.ts';

const MASK2D = sharedPath('data/stardist-dsb2018-sample-2d/mask2d.tif');
const mask2d = asUint16(pythonArray(`out = tifffile.imread(${JSON.stringify(MASK2D)})`));
const maxOf = (a: Uint16Array): number => a.reduce((m, v) => Math.max(m, v), 0);
/** Masks for a cellprob threshold t: ids above 100 - 10 t dropped. */
const masksFor = (t: number): Uint16Array => mask2d.map((v) => (v > 100 - 10 * t ? 0 : v));
const flush = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

function standIn(): { sent: number[]; release: () => void; shown: () => Uint16Array | null; apply: (t: number) => Promise<void> } {
  const sent: number[] = [];
  const waiting: Array<() => void> = [];
  let shown: Uint16Array | null = null;
  return {
    sent,
    release: () => waiting.shift()?.(),
    shown: () => shown,
    apply: (t: number) =>
      new Promise<void>((resolve) => {
        sent.push(t);
        waiting.push(() => {
          shown = masksFor(t);
          resolve();
        });
      }),
  };
}

describe('latestOnly', () => {
  it('sends the first value of a drag, then only the latest one asked for meanwhile', async () => {
    const b = standIn();
    const live = latestOnly(b.apply);
    const drag = [0.5, 1, 1.5, 2, 2.5, 3];
    const done = drag.map((t) => live.request(t));
    await flush();
    expect(b.sent).toEqual([0.5]);
    expect(live.busy()).toBe(true);
    b.release();
    await flush();
    expect(b.sent).toEqual([0.5, 3]);
    expect(maxOf(b.shown() ?? new Uint16Array())).toBe(maxOf(masksFor(0.5)));
    b.release();
    await Promise.all(done);
    expect(b.sent).toEqual([0.5, 3]);
    expect(live.busy()).toBe(false);
    const last = b.shown();
    expect(last).not.toBeNull();
    expect(maxOf(last ?? new Uint16Array())).toBe(maxOf(masksFor(3)));
    expect(maxOf(masksFor(3))).toBeLessThan(maxOf(mask2d));
  });

  it('starts a fresh call after going idle, and keeps working after a failed call', async () => {
    const sent: number[] = [];
    const live = latestOnly(async (t: number) => {
      sent.push(t);
      if (t < 0) throw new Error('bad threshold');
    });
    await expect(live.request(-1)).rejects.toThrow('bad threshold');
    expect(live.busy()).toBe(false);
    await live.request(2);
    await live.request(1);
    expect(sent).toEqual([-1, 2, 1]);
  });
});
