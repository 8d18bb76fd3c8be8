// Cutting tiles out of a padded image and putting network outputs back (ALGORITHMS.md 3.1-3.4).
import type { TileGrid } from './tile-grid.ts';
import { taperMask } from './taper-mask.ts';

/** Flips of tile (j, i) under augment: rows reversed iff i odd, columns reversed iff j odd. */
export function tileFlips(j: number, i: number, augment: boolean): { flipRows: boolean; flipCols: boolean } {
  return { flipRows: augment && i % 2 === 1, flipCols: augment && j % 2 === 1 };
}

/**
 * Copy tile k = j·nx + i of a channels-last padded image (ly, lx, nchan) into a network input
 * block (nchan, ty, tx) at `dst` offset `dstOffset`, flipped for augmentation. Pixels outside the
 * image (augment's extra rows/cols) are zero.
 */
export function extractTile(
  img: Float32Array,
  ly: number,
  lx: number,
  nchan: number,
  grid: TileGrid,
  j: number,
  i: number,
  augment: boolean,
  dst: Float32Array,
  dstOffset: number,
): void {
  const { ty, tx } = grid;
  const y0 = grid.ystart[j];
  const x0 = grid.xstart[i];
  const { flipRows, flipCols } = tileFlips(j, i, augment);
  for (let c = 0; c < nchan; c++) {
    const plane = dstOffset + c * ty * tx;
    for (let y = 0; y < ty; y++) {
      const sy = y0 + (flipRows ? ty - 1 - y : y);
      const row = plane + y * tx;
      if (sy >= ly) {
        dst.fill(0, row, row + tx);
        continue;
      }
      for (let x = 0; x < tx; x++) {
        const sx = x0 + (flipCols ? tx - 1 - x : x);
        dst[row + x] = sx < lx ? img[(sy * lx + sx) * nchan + c] : 0;
      }
    }
  }
}

/** Blends tiles into a (nout, ly, lx) map: float32 accumulator, float64 weights (3.3). */
export class TileBlender {
  readonly acc: Float32Array;
  readonly weight: Float64Array;
  private readonly mask: Float64Array;

  constructor(
    private readonly grid: TileGrid,
    private readonly nout: number,
  ) {
    this.acc = new Float32Array(nout * grid.ly * grid.lx);
    this.weight = new Float64Array(grid.ly * grid.lx);
    this.mask = taperMask(grid.ty, grid.tx);
  }

  /** Add the network output of tile (j, i), given as (nout, ty, tx) at `offset` in `y`. Undoes the
   *  augmentation flips and negates dY / dX of flipped tiles (3.4). */
  add(tile: Float32Array, offset: number, j: number, i: number, augment: boolean): void {
    const { ty, tx } = this.grid;
    const { ly, lx } = this.grid;
    const y0 = this.grid.ystart[j];
    const x0 = this.grid.xstart[i];
    const { flipRows, flipCols } = tileFlips(j, i, augment);
    const { acc, mask, weight } = this;
    for (let c = 0; c < this.nout; c++) {
      const sign = (c === 0 && flipRows) || (c === 1 && flipCols) ? -1 : 1;
      const src = offset + c * ty * tx;
      const dstPlane = c * ly * lx;
      for (let y = 0; y < ty; y++) {
        const srcRow = src + (flipRows ? ty - 1 - y : y) * tx;
        const dstRow = dstPlane + (y0 + y) * lx + x0;
        const maskRow = y * tx;
        // numpy: float32 tile * float64 mask -> float64, added to the float32 accumulator
        if (flipCols) {
          for (let x = 0; x < tx; x++) acc[dstRow + x] = acc[dstRow + x] + sign * tile[srcRow + tx - 1 - x] * mask[maskRow + x];
        } else {
          for (let x = 0; x < tx; x++) acc[dstRow + x] = acc[dstRow + x] + sign * tile[srcRow + x] * mask[maskRow + x];
        }
      }
    }
    for (let y = 0; y < ty; y++) {
      const dstRow = (y0 + y) * lx + x0;
      const maskRow = y * tx;
      for (let x = 0; x < tx; x++) weight[dstRow + x] += mask[maskRow + x];
    }
  }

  /** acc / weight as float32 (nout, ly, lx). */
  result(): Float32Array {
    const { ly, lx } = this.grid;
    const n = ly * lx;
    const out = new Float32Array(this.nout * n);
    const { acc, weight } = this;
    for (let c = 0; c < this.nout; c++) {
      const plane = c * n;
      for (let p = 0; p < n; p++) out[plane + p] = acc[plane + p] / weight[p];
    }
    return out;
  }
}

/** Per-image style: sum of tile styles (float32), divided by its L2 norm (3.6). */
export function combineStyles(styles: Float32Array, styleDim: number, first: number, count: number): Float32Array {
  const s = new Float32Array(styleDim);
  for (let t = first; t < first + count; t++) {
    for (let k = 0; k < styleDim; k++) s[k] += styles[t * styleDim + k];
  }
  let ss = 0;
  for (let k = 0; k < styleDim; k++) ss = Math.fround(ss + Math.fround(s[k] * s[k]));
  const norm = Math.fround(Math.sqrt(ss));
  for (let k = 0; k < styleDim; k++) s[k] = s[k] / norm;
  return s;
}
