// Tiled network inference over a stack of images (ALGORITHMS.md 3, Cellpose v3.1 core.run_net):
// resize by rescale -> pad -> tiles -> network in batches -> un-augment -> taper blend -> crop.
import { resizeBilinear } from '../transforms/resize.ts';
import { padAxis } from '../transforms/pad.ts';
import { BSIZE, tileGrid } from '../transforms/tile-grid.ts';
import { combineStyles, extractTile, TileBlender } from '../transforms/tiles.ts';
import { throwIfAborted, type AbortSignalLike } from '../util/platform.ts';
import type { NetworkRunner } from './network-runner.ts';

export interface RunTiledOptions {
  /** Resize factor applied before the net; sizes trunc(L·rescale) (float64). 1 = none. */
  rescale: number;
  augment: boolean;
  tileOverlap: number;
  batchSize: number;
  signal?: AbortSignalLike;
  /** Fast mode: the whole image in one pass, or a few large tiles (fastTiling); not Cellpose's
   *  224 tiles. */
  fast?: boolean;
  /** Called after each network batch with (tiles done, tiles total). */
  onBatch?: (done: number, total: number) => void;
}

export interface TiledOutput {
  /** (nimg, lyr, lxr, nout) float32 at the rescaled size. */
  y: Float32Array;
  lyr: number;
  lxr: number;
  /** (nimg, styleDim) float32. */
  styles: Float32Array;
}

/** Rescaled size of one axis: trunc(L · rescale) in float64 (2.3). */
export function rescaledLength(length: number, rescale: number): number {
  return Math.trunc(length * rescale);
}

/** Largest tile side in fast mode: one pass for images up to 1024² (1040 padded). One such pass
 *  peaks at about 1.3 GB in onnxruntime's CPU arena. Larger tiles cost more memory and, out of
 *  cache, more time per pixel: a 2048² image in 1536² tiles took 11.5 GB and 45 s of network
 *  against default mode's 25 s (2026-11-26, 2-core Xeon). */
export const FAST_MAX_TILE = padAxis(1024).padded;

/** Largest tile side when fast mode tiles an image larger than FAST_MAX_TILE. Against tiles of up
 *  to 1040, tiles of up to 640 took the same time and less memory: 4096² in 68.7 s and 2.3 GB
 *  against 73.7 s and 3.1 GB, 2048² 1.2 GB against 1.4 GB (whole process, 2026-11-26). */
export const FAST_TILED_MAX = 640;

/** Tile overlap of fast mode's tiled images: Cellpose's smallest (tile_overlap is clipped to
 *  >= 0.05), 50-100 px at these tile sizes, well past the taper's 20 px edge. */
const FAST_TILE_OVERLAP = 0.05;

/** Fast mode's tiling of a padded Ly x Lx image: the whole image as one tile when its longer side
 *  fits FAST_MAX_TILE (no overlap work, no taper); else n square tiles along the longer side, as
 *  few as fit FAST_TILED_MAX with Cellpose's tiler at overlap 0.05, each only as large as that
 *  needs (a multiple of 16), so little is computed twice. Not Cellpose-identical: convolutions see
 *  more context than in 224 tiles. */
export function fastTiling(Ly: number, Lx: number, tileOverlap: number): { bsize: number; tileOverlap: number } {
  const longest = Math.max(Ly, Lx, BSIZE);
  if (longest <= FAST_MAX_TILE) return { bsize: longest, tileOverlap };
  // tileGrid's count: ceil((1 + 2 * overlap) * L / bsize) tiles along an axis
  const span = (1 + 2 * FAST_TILE_OVERLAP) * longest;
  const n = Math.ceil(span / FAST_TILED_MAX);
  return { bsize: Math.min(FAST_TILED_MAX, 16 * Math.ceil(span / n / 16)), tileOverlap: FAST_TILE_OVERLAP };
}

/**
 * imgs: (nimg, ly0, lx0, nchan) float32, normalized. Returns outputs at the rescaled size.
 */
export async function runTiled(
  imgs: Float32Array,
  shape: readonly [nimg: number, ly0: number, lx0: number, nchan: number],
  net: NetworkRunner,
  opts: RunTiledOptions,
): Promise<TiledOutput> {
  const [nimg, ly0, lx0, nchan] = shape;
  if (nchan !== net.nchan) throw new RangeError(`network expects ${net.nchan} channels, image has ${nchan}`);
  const resize = opts.rescale !== 1;
  const lyr = resize ? rescaledLength(ly0, opts.rescale) : ly0;
  const lxr = resize ? rescaledLength(lx0, opts.rescale) : lx0;
  if (lyr < 1 || lxr < 1) throw new RangeError(`image ${ly0}x${lx0} rescaled by ${opts.rescale} is empty`);
  const py = padAxis(lyr);
  const px = padAxis(lxr);
  const Ly = py.padded;
  const Lx = px.padded;
  const tiling = opts.fast ? fastTiling(Ly, Lx, opts.tileOverlap) : { bsize: BSIZE, tileOverlap: opts.tileOverlap };
  const grid = tileGrid(Ly, Lx, tiling.tileOverlap, opts.augment, tiling.bsize);
  const ntiles = grid.ny * grid.nx;
  const tileSize = nchan * grid.ty * grid.tx;
  const batchSize = Math.max(1, Math.floor(opts.batchSize));
  const nout = net.nout;
  const y = new Float32Array(nimg * lyr * lxr * nout);
  const styles = new Float32Array(nimg * net.styleDim);
  const total = nimg * ntiles;
  let done = 0;

  // Tiles of consecutive images are batched together (any grouping gives the same numbers: BN
  // uses running statistics).
  const queue: { img: number; j: number; i: number }[] = [];
  for (let b = 0; b < nimg; b++) for (let j = 0; j < grid.ny; j++) for (let i = 0; i < grid.nx; i++) queue.push({ img: b, j, i });

  let padded: Float32Array | null = null;
  let paddedImg = -1;
  let blender: TileBlender | null = null;
  let tileStyles: Float32Array | null = null;
  const preparePadded = (b: number): Float32Array => {
    if (paddedImg === b && padded) return padded;
    const plane = imgs.subarray(b * ly0 * lx0 * nchan, (b + 1) * ly0 * lx0 * nchan);
    const src = resize ? resizeBilinear(plane, [ly0, lx0, nchan], lyr, lxr) : plane;
    const out = new Float32Array(Ly * Lx * nchan);
    for (let yy = 0; yy < lyr; yy++) {
      out.set(src.subarray(yy * lxr * nchan, (yy + 1) * lxr * nchan), ((yy + py.before) * Lx + px.before) * nchan);
    }
    padded = out;
    paddedImg = b;
    return out;
  };
  const finishImage = (b: number): void => {
    if (!blender || !tileStyles) return;
    const full = blender.result();
    const plane = grid.ly * grid.lx;
    const base = b * lyr * lxr * nout;
    for (let yy = 0; yy < lyr; yy++) {
      for (let xx = 0; xx < lxr; xx++) {
        const src = (yy + py.before) * grid.lx + xx + px.before;
        const dst = base + (yy * lxr + xx) * nout;
        for (let c = 0; c < nout; c++) y[dst + c] = full[c * plane + src];
      }
    }
    styles.set(combineStyles(tileStyles, net.styleDim, 0, ntiles), b * net.styleDim);
  };

  let current = -1;
  for (let start = 0; start < queue.length; start += batchSize) {
    throwIfAborted(opts.signal);
    const items = queue.slice(start, start + batchSize);
    const input = new Float32Array(items.length * tileSize);
    items.forEach((t, k) => extractTile(preparePadded(t.img), Ly, Lx, nchan, grid, t.j, t.i, opts.augment, input, k * tileSize));
    const out = await net.run(input, [items.length, nchan, grid.ty, grid.tx]);
    const outSize = nout * grid.ty * grid.tx;
    items.forEach((t, k) => {
      if (t.img !== current) {
        if (current >= 0) finishImage(current);
        current = t.img;
        blender = new TileBlender(grid, nout);
        tileStyles = new Float32Array(ntiles * net.styleDim);
      }
      blender?.add(out.flows, k * outSize, t.j, t.i, opts.augment);
      tileStyles?.set(out.style.subarray(k * net.styleDim, (k + 1) * net.styleDim), (t.j * grid.nx + t.i) * net.styleDim);
    });
    done += items.length;
    opts.onBatch?.(done, total);
  }
  if (current >= 0) finishImage(current);
  return { y, lyr, lxr, styles };
}
