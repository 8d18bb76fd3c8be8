// Fast mode's tiling: the whole image in one pass up to 1024² (1040 padded); larger images in
// square tiles of at most FAST_TILED_MAX with 50-100 px of overlap, so that memory per pass stays
// bounded and little is computed twice.
import { describe, expect, it } from 'vitest';
import type { NetworkRunner } from '../../../src/core/pipeline/network-runner.ts';
import { FAST_MAX_TILE, FAST_TILED_MAX, fastTiling, runTiled } from '../../../src/core/pipeline/run-tiled.ts';
import { padAxis } from '../../../src/core/transforms/pad.ts';
import { tileGrid } from '../../../src/core/transforms/tile-grid.ts';

/** Covered length, smallest overlap between neighbours and pixels computed along one axis. */
function axisCover(starts: number[], tile: number, length: number): { covered: boolean; minOverlapPx: number; computedPx: number } {
  let minOverlapPx = Infinity;
  for (let k = 1; k < starts.length; k++) minOverlapPx = Math.min(minOverlapPx, starts[k - 1] + tile - starts[k]);
  const covered = starts[0] === 0 && starts[starts.length - 1] + tile === length && minOverlapPx >= 0;
  return { covered, minOverlapPx, computedPx: starts.length * tile };
}

describe('fastTiling', () => {
  it('is the whole padded image, one tile, for images up to 1024²', () => {
    expect(FAST_MAX_TILE).toBe(1040);
    for (const [ly, lx] of [[100, 90], [512, 512], [1024, 1024], [603, 1024], [1024, 300]]) {
      const Ly = padAxis(ly).padded;
      const Lx = padAxis(lx).padded;
      const t = fastTiling(Ly, Lx, 0.1);
      expect(t.tileOverlap).toBe(0.1);
      const g = tileGrid(Ly, Lx, t.tileOverlap, false, t.bsize);
      expect([g.ny, g.nx, g.ty, g.tx]).toEqual([1, 1, Ly, Lx]);
    }
  });

  it('splits larger images into square tiles <= FAST_TILED_MAX that overlap enough for the taper', () => {
    for (const [ly, lx] of [[1025, 1025], [1040, 1388], [2048, 2048], [603 * 2, 1272 * 2], [4096, 4096], [3000, 700], [8192, 8192]]) {
      const Ly = padAxis(ly).padded;
      const Lx = padAxis(lx).padded;
      const t = fastTiling(Ly, Lx, 0.1);
      expect(t.bsize % 16).toBe(0);
      expect(t.bsize).toBeLessThanOrEqual(FAST_TILED_MAX);
      const g = tileGrid(Ly, Lx, t.tileOverlap, false, t.bsize);
      const long = Ly >= Lx ? axisCover(g.ystart, g.ty, Ly) : axisCover(g.xstart, g.tx, Lx);
      const short = Ly >= Lx ? axisCover(g.xstart, g.tx, Lx) : axisCover(g.ystart, g.ty, Ly);
      expect(long.covered && short.covered).toBe(true);
      // along the longer side: enough overlap for the taper (20 px edge), and little recomputed
      expect(long.minOverlapPx).toBeGreaterThanOrEqual(40);
      expect(long.computedPx / Math.max(Ly, Lx)).toBeLessThanOrEqual(1.2);
    }
  });
});

describe('runTiled in fast mode', () => {
  it('feeds a 2048² image to the network in tiles no larger than FAST_TILED_MAX and covers every pixel', async () => {
    const shapes: number[][] = [];
    // a network whose cell probability is 1 at every input pixel: any pixel the tiles miss
    // (weight 0) comes out NaN or 0
    const net: NetworkRunner = {
      nchan: 1,
      nout: 3,
      styleDim: 4,
      run(batch, shape) {
        shapes.push([...shape]);
        const [n, , h, w] = shape;
        const flows = new Float32Array(n * 3 * h * w);
        for (let k = 0; k < n; k++) flows.fill(1, (k * 3 + 2) * h * w, (k * 3 + 3) * h * w);
        const style = new Float32Array(n * 4).fill(0.5);
        return Promise.resolve({ flows, style });
      },
    };
    const size = 2048;
    const img = new Float32Array(size * size).fill(0.5);
    const out = await runTiled(img, [1, size, size, 1], net, { rescale: 1, augment: false, tileOverlap: 0.1, batchSize: 8, fast: true });
    const tiles = shapes.reduce((s, sh) => s + sh[0], 0);
    expect(tiles).toBe(16); // 2064 padded: 4 x 4 tiles of 576
    for (const sh of shapes) expect(sh.slice(2)).toEqual([576, 576]);
    let bad = 0;
    for (let p = 0; p < size * size; p++) if (Math.abs(out.y[p * 3 + 2] - 1) > 1e-6) bad++;
    expect(bad).toBe(0);
  });
});
