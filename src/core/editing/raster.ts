// Rasterising lines and polygons on a (Ly, Lx) pixel grid, the way Cellpose's drawing relies on
// OpenCV: 8-connected Bresenham lines and fillPoly (scanline fill plus the polygon's edges).

/** Calls `visit(x, y)` for every pixel of the 8-connected Bresenham line from (x0,y0) to (x1,y1). */
export function forEachLinePixel(x0: number, y0: number, x1: number, y1: number, visit: (x: number, y: number) => void): void {
  const dx = Math.abs(x1 - x0);
  const dy = -Math.abs(y1 - y0);
  const sx = x0 < x1 ? 1 : -1;
  const sy = y0 < y1 ? 1 : -1;
  let err = dx + dy;
  let x = x0;
  let y = y0;
  while (true) {
    visit(x, y);
    if (x === x1 && y === y1) return;
    const e2 = 2 * err;
    if (e2 >= dy) {
      err += dy;
      x += sx;
    }
    if (e2 <= dx) {
      err += dx;
      y += sy;
    }
  }
}

/**
 * A 4-connected line: like Bresenham, but a diagonal step is split into two axis steps. A
 * 4-connected cut separates 8-connected regions (an 8-connected line can be crossed diagonally),
 * which is what splitting a mask needs.
 */
export function forEachLinePixel4(x0: number, y0: number, x1: number, y1: number, visit: (x: number, y: number) => void): void {
  let px = x0;
  let py = y0;
  let first = true;
  forEachLinePixel(x0, y0, x1, y1, (x, y) => {
    if (!first && x !== px && y !== py) visit(x, py);
    first = false;
    visit(x, y);
    px = x;
    py = y;
  });
}

export interface RasterRegion {
  /** Half-open box of the region in the plane. */
  y0: number;
  y1: number;
  x0: number;
  x1: number;
  /** 1 inside, row-major over the box ((y1 - y0) x (x1 - x0)). */
  mask: Uint8Array;
}

/**
 * OpenCV fillPoly of one closed polygon (integer vertices), clipped to a (ly, lx) plane: every
 * pixel whose centre lies inside by the even-odd rule (OpenCV fills between pairs of sorted edge
 * crossings, edges half-open in y) plus the 8-connected lines of all edges (OpenCV draws them,
 * which is why the boundary pixels are always included). Returns null when nothing is inside the
 * plane. OpenCV walks edges in 16.16 fixed point; exact rational crossings differ from it only
 * where a crossing lands within 2^-16 of a pixel centre, and the drawn edges cover those pixels.
 */
export function fillPolygon(xs: Int32Array, ys: Int32Array, ly: number, lx: number): RasterRegion | null {
  const n = xs.length;
  if (n === 0) return null;
  let minX = Infinity;
  let maxX = -Infinity;
  let minY = Infinity;
  let maxY = -Infinity;
  for (let i = 0; i < n; i++) {
    if (xs[i] < minX) minX = xs[i];
    if (xs[i] > maxX) maxX = xs[i];
    if (ys[i] < minY) minY = ys[i];
    if (ys[i] > maxY) maxY = ys[i];
  }
  const y0 = Math.max(0, minY);
  const y1 = Math.min(ly, maxY + 1);
  const x0 = Math.max(0, minX);
  const x1 = Math.min(lx, maxX + 1);
  if (y1 <= y0 || x1 <= x0) return null;
  const w = x1 - x0;
  const mask = new Uint8Array((y1 - y0) * w);
  const crossings: number[] = [];
  for (let y = y0; y < y1; y++) {
    crossings.length = 0;
    for (let i = 0; i < n; i++) {
      const j = i + 1 === n ? 0 : i + 1;
      const ya = ys[i];
      const yb = ys[j];
      if (ya === yb) continue;
      const lo = Math.min(ya, yb);
      const hi = Math.max(ya, yb);
      if (y < lo || y >= hi) continue;
      crossings.push(xs[i] + ((y - ya) * (xs[j] - xs[i])) / (yb - ya));
    }
    crossings.sort((a, b) => a - b);
    const row = (y - y0) * w;
    for (let k = 0; k + 1 < crossings.length; k += 2) {
      const a = Math.max(x0, Math.ceil(crossings[k]));
      const b = Math.min(x1 - 1, Math.floor(crossings[k + 1]));
      for (let x = a; x <= b; x++) mask[row + x - x0] = 1;
    }
  }
  for (let i = 0; i < n; i++) {
    const j = i + 1 === n ? 0 : i + 1;
    forEachLinePixel(xs[i], ys[i], xs[j], ys[j], (x, y) => {
      if (x >= x0 && x < x1 && y >= y0 && y < y1) mask[(y - y0) * w + x - x0] = 1;
    });
  }
  return { y0, y1, x0, x1, mask };
}
