// The tile grid of Cellpose's tiler (ALGORITHMS.md 3.1): counts in float64 in Cellpose's exact
// operation order, starts as numpy linspace then truncation.

export const BSIZE = 224;

export interface TileGrid {
  /** Tile size (rows, cols). */
  ty: number;
  tx: number;
  ny: number;
  nx: number;
  ystart: number[];
  xstart: number[];
  /** Image size the grid covers (augment may add zero rows/cols up to bsize). */
  ly: number;
  lx: number;
}

/** numpy.linspace(0, end, n).astype(int): step computed once, last element exactly end. */
export function linspaceTrunc(end: number, n: number): number[] {
  if (n === 1) return [0];
  const step = end / (n - 1);
  const out: number[] = [];
  for (let j = 0; j < n - 1; j++) out.push(Math.trunc(j * step));
  out.push(end);
  return out;
}

export function clipOverlap(tileOverlap: number): number {
  if (!Number.isFinite(tileOverlap)) throw new RangeError(`tile_overlap must be a number, got ${tileOverlap}`);
  return Math.min(0.5, Math.max(0.05, tileOverlap));
}

/** Grid for a padded image of ly x lx. */
export function tileGrid(ly: number, lx: number, tileOverlap: number, augment: boolean, bsize = BSIZE): TileGrid {
  if (augment) {
    // tiles always bsize x bsize, 50% overlap; smaller images get zero rows/cols appended
    const Ly = Math.max(ly, bsize);
    const Lx = Math.max(lx, bsize);
    const ny = Math.max(2, Math.ceil((2 * Ly) / bsize));
    const nx = Math.max(2, Math.ceil((2 * Lx) / bsize));
    return { ty: bsize, tx: bsize, ny, nx, ystart: linspaceTrunc(Ly - bsize, ny), xstart: linspaceTrunc(Lx - bsize, nx), ly: Ly, lx: Lx };
  }
  const ov = clipOverlap(tileOverlap);
  const ny = ly <= bsize ? 1 : Math.ceil(((1.0 + 2 * ov) * ly) / bsize);
  const nx = lx <= bsize ? 1 : Math.ceil(((1.0 + 2 * ov) * lx) / bsize);
  const ty = Math.min(bsize, ly);
  const tx = Math.min(bsize, lx);
  return { ty, tx, ny, nx, ystart: linspaceTrunc(ly - ty, ny), xstart: linspaceTrunc(lx - tx, nx), ly, lx };
}
