// The memory estimate behind the refusal of huge images: it follows the peaks measured for the
// whole segment process (README), grows with rescale² and with 3-D, and the refusal names the size,
// the need and the machine's memory.
import { describe, expect, it } from 'vitest';
import { checkSegmentMemory, estimateSegmentBytes } from '../../../src/backend/inference/memory-check.ts';
import type { ModelInfo } from '../../../src/core/pipeline/segment.ts';

const GB = 2 ** 30;
/** A model with diam_mean 17, as Cellpose's nuclei model and the bundled one. */
const NUCLEI: ModelInfo = { name: 'nuclei-like', diamMeanPx: 17, diamLabelsPx: 17, sizeModel: null, sizeModelPath: '' };
const px = (side: number) => ({ nZ: 1, height: side, width: side });

describe('estimateSegmentBytes', () => {
  it('is within 25 % of the measured peaks of default-mode runs at rescale 1', () => {
    // maximum RSS of `segment` on the 2x2 / 4x4 / 8x8 mirror mosaics of img2d.tif, 2026-11-26
    for (const [side, measuredGb] of [[1024, 0.58], [2048, 0.96], [4096, 1.85]] as const) {
      const est = estimateSegmentBytes(px(side), { diameterPx: 17 }, NUCLEI) / GB;
      expect(Math.abs(est - measuredGb) / measuredGb).toBeLessThan(0.25);
    }
  });

  it('grows with the rescale (small objects are upsampled) and in 3-D; diameter 0 counts as rescale 1', () => {
    const base = estimateSegmentBytes(px(4096), { diameterPx: 17 }, NUCLEI);
    expect(estimateSegmentBytes(px(4096), { diameterPx: 8.5 }, NUCLEI)).toBeGreaterThan(2 * base);
    expect(estimateSegmentBytes(px(4096), { diameterPx: 34 }, NUCLEI)).toBe(base); // downsampled: originals dominate
    expect(estimateSegmentBytes(px(4096), { diameterPx: 0 }, NUCLEI)).toBe(base);
    expect(estimateSegmentBytes({ nZ: 64, height: 512, width: 512 }, { do3D: true, diameterPx: 17 }, NUCLEI)).toBeGreaterThan(base);
  });

  it('counts fast mode\'s larger passes, at or above its measured peaks', () => {
    // whole process with --fast, 2026-11-26: 1024² in one pass 1.51 GB, 4096² in 576² tiles 2.3 GB
    for (const [side, measuredGb] of [[1024, 1.51], [4096, 2.3]] as const) {
      const est = estimateSegmentBytes(px(side), { diameterPx: 17, fast: true }, NUCLEI) / GB;
      expect(est).toBeGreaterThanOrEqual(measuredGb);
      expect(est).toBeLessThan(measuredGb * 1.5);
    }
  });
});

describe('checkSegmentMemory', () => {
  it('passes what fits and refuses what does not, with the numbers in the message', () => {
    expect(() => checkSegmentMemory(px(4096), { diameterPx: 17 }, NUCLEI, 8 * GB)).not.toThrow();
    expect(() => checkSegmentMemory({ nZ: 1, height: 20000, width: 20000 }, { diameterPx: 17 }, NUCLEI, 16 * GB)).toThrow(
      /segmenting this 20000 x 20000 image needs about 30\.3 GB of memory, more than this machine's 16\.0 GB; crop it/,
    );
    expect(() => checkSegmentMemory({ nZ: 200, height: 2048, width: 2048 }, { do3D: true, diameterPx: 17 }, NUCLEI, 16 * GB)).toThrow(/200 x 2048 x 2048 image/);
  });
});
