// Polygon fill (OpenCV fillPoly semantics) and lines, checked against brute-force geometry on
// random polygons: interior pixel centres are filled, vertices and edges are filled, nothing more
// than one pixel away from the polygon is filled.
import { describe, expect, it } from 'vitest';
import { fillPolygon, forEachLinePixel, forEachLinePixel4 } from '../../../src/core/editing/raster.ts';
import { rng } from './helpers.ts';

function insideEvenOdd(xs: Int32Array, ys: Int32Array, px: number, py: number): boolean {
  let inside = false;
  for (let i = 0, j = xs.length - 1; i < xs.length; j = i++) {
    if (ys[i] > py !== ys[j] > py && px < ((xs[j] - xs[i]) * (py - ys[i])) / (ys[j] - ys[i]) + xs[i]) inside = !inside;
  }
  return inside;
}

function distToSegment(px: number, py: number, ax: number, ay: number, bx: number, by: number): number {
  const dx = bx - ax;
  const dy = by - ay;
  const len2 = dx * dx + dy * dy;
  const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / len2));
  return Math.hypot(px - ax - t * dx, py - ay - t * dy);
}

describe('fillPolygon', () => {
  it('fills interior centres, vertices and edges, and nothing farther than 1 px from the outline', () => {
    const r = rng(7);
    let missedInterior = 0;
    let spilled = 0;
    let missedEdge = 0;
    let filled = 0;
    for (let trial = 0; trial < 60; trial++) {
      const n = 3 + Math.floor(r() * 20);
      const xs = Int32Array.from({ length: n }, () => Math.floor(r() * 40) - 5);
      const ys = Int32Array.from({ length: n }, () => Math.floor(r() * 40) - 5);
      const region = fillPolygon(xs, ys, 32, 32);
      if (!region) continue;
      const w = region.x1 - region.x0;
      filled += region.mask.reduce((a, v) => a + v, 0);
      const at = (x: number, y: number): boolean =>
        x >= region.x0 && x < region.x1 && y >= region.y0 && y < region.y1 && region.mask[(y - region.y0) * w + x - region.x0] === 1;
      for (let y = 0; y < 32; y++) {
        for (let x = 0; x < 32; x++) {
          let d = Infinity;
          for (let i = 0; i < n; i++) {
            const j = (i + 1) % n;
            d = Math.min(d, distToSegment(x, y, xs[i], ys[i], xs[j], ys[j]));
          }
          const inside = insideEvenOdd(xs, ys, x, y);
          if (inside && d > 1e-9 && !at(x, y)) missedInterior++;
          if (!inside && d > 1 && at(x, y)) spilled++;
          if (d < 1e-9 && !at(x, y)) missedEdge++;
        }
      }
    }
    expect({ missedInterior, spilled, missedEdge }).toEqual({ missedInterior: 0, spilled: 0, missedEdge: 0 });
    expect(filled).toBeGreaterThan(5000);
  });

  it('returns null for a polygon entirely outside the plane', () => {
    expect(fillPolygon(Int32Array.of(-10, -5, -7), Int32Array.of(0, 0, 5), 10, 10)).toBeNull();
  });
});

describe('lines', () => {
  it('8-connected lines step by at most one pixel per axis and hit both ends', () => {
    const pts: Array<[number, number]> = [];
    forEachLinePixel(3, 2, 17, 9, (x, y) => pts.push([x, y]));
    expect(pts[0]).toEqual([3, 2]);
    expect(pts[pts.length - 1]).toEqual([17, 9]);
    expect(pts).toHaveLength(15);
  });

  it('4-connected lines never step diagonally', () => {
    const pts: Array<[number, number]> = [];
    forEachLinePixel4(3, 2, 17, 9, (x, y) => pts.push([x, y]));
    for (let k = 1; k < pts.length; k++) expect(Math.abs(pts[k][0] - pts[k - 1][0]) + Math.abs(pts[k][1] - pts[k - 1][1])).toBe(1);
    expect(pts[pts.length - 1]).toEqual([17, 9]);
  });
});
