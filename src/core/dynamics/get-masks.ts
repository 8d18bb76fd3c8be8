// Clustering of the final positions into masks (Cellpose 3.1 get_masks_torch, ALGORITHMS.md 5.3):
// a histogram of end points, local maxima with more than 10 points as seeds, each seed grown for 5
// steps through bins holding more than 2 points, pixels labelled by the region of their end bin.
import { torchArgsort } from './torch-sort.ts';

const RPAD = 20;

/** Allocates the zeroed label image (uint32 when `wide`); a host may back it with shared memory. */
export type LabelAllocator = (vol: number, wide: boolean) => Uint16Array | Uint32Array;

const plainLabels: LabelAllocator = (vol, wide) => (wide ? new Uint32Array(vol) : new Uint16Array(vol));

/** Grids above this many bins are not kept between calls (about 150 MB with H, L and the flags). */
const MAX_KEPT_BINS = 1 << 24;

/**
 * The histogram, region and visited grids of getMasks, kept between calls (a worker re-clusters on
 * every slider step): a call leaves them zeroed again by clearing only the bins it touched, so a
 * re-threshold does not allocate and zero ~10 MB per 1024^2 image.
 */
export class GetMasksScratch {
  private H = new Int32Array(0);
  private L = new Int32Array(0);
  private checked = new Uint8Array(0);
  /** Bins given a region label (to clear L). */
  touched = new Int32Array(4096);
  nTouched = 0;

  /** Zeroed grids of at least `bins` entries. */
  take(bins: number): { H: Int32Array; L: Int32Array; checked: Uint8Array } {
    if (this.H.length < bins || bins > MAX_KEPT_BINS) {
      this.H = new Int32Array(bins);
      this.L = new Int32Array(bins);
      this.checked = new Uint8Array(bins);
    }
    this.nTouched = 0;
    return { H: this.H, L: this.L, checked: this.checked };
  }

  touch(b: number): void {
    if (this.nTouched === this.touched.length) {
      const t = new Int32Array(2 * this.touched.length);
      t.set(this.touched);
      this.touched = t;
    }
    this.touched[this.nTouched++] = b;
  }

  /** Zeroes what a call wrote: the histogram and flags at the points' bins, L at the touched bins. */
  release(bins: Int32Array, n: number): void {
    if (this.H.length > MAX_KEPT_BINS) {
      this.H = new Int32Array(0);
      this.L = new Int32Array(0);
      this.checked = new Uint8Array(0);
      return;
    }
    const { H, L, checked, touched } = this;
    for (let i = 0; i < n; i++) {
      H[bins[i]] = 0;
      checked[bins[i]] = 0;
    }
    for (let j = 0; j < this.nTouched; j++) L[touched[j]] = 0;
    this.nTouched = 0;
  }
}

/**
 * Labels (uint16, or uint32 for 65,536+ seeds) of a 2-D or 3-D image from end positions p (nd, n)
 * of the start pixels `inds` (flat raster indices). Masks covering more than maxSizeFraction of
 * the image are removed; labels are numbered by first appearance in raster order.
 */
export function getMasks(
  p: Float32Array,
  inds: Int32Array,
  shape: readonly number[],
  maxSizeFraction = 0.4,
  alloc: LabelAllocator = plainLabels,
  scratch: GetMasksScratch = new GetMasksScratch(),
): Uint16Array | Uint32Array {
  const nd = shape.length;
  if (nd !== 2 && nd !== 3) throw new RangeError(`getMasks: shape must be 2-D or 3-D, got [${shape.join(', ')}]`);
  const n = inds.length;
  if (p.length !== nd * n) throw new RangeError(`getMasks: positions length ${p.length} is not ${nd} x ${n}`);
  const dims = nd === 2 ? [1, shape[0], shape[1]] : [shape[0], shape[1], shape[2]];
  const is3D = nd === 3;
  // padded histogram grid; a 2-D image is one plane with no z padding
  const pz = is3D ? dims[0] + 2 * RPAD : 1;
  const py = dims[1] + 2 * RPAD;
  const px = dims[2] + 2 * RPAD;
  const gplane = py * px;
  const { H, L, checked } = scratch.take(pz * gplane);
  const bins = new Int32Array(n);
  // the grids go back to the scratch zeroed, whatever happens: clear what this call touched
  try {
    const pyOff = is3D ? n : 0;
    const pxOff = is3D ? 2 * n : n;
    for (let i = 0; i < n; i++) {
      // trunc(p) + rpad, clamped to [0, shape + rpad - 1] per axis
      const qz = is3D ? Math.min(Math.max(Math.trunc(p[i]) + RPAD, 0), dims[0] + RPAD - 1) : 0;
      const qy = Math.min(Math.max(Math.trunc(p[pyOff + i]) + RPAD, 0), dims[1] + RPAD - 1);
      const qx = Math.min(Math.max(Math.trunc(p[pxOff + i]) + RPAD, 0), dims[2] + RPAD - 1);
      const b = qz * gplane + qy * px + qx;
      bins[i] = b;
      H[b]++;
    }

    // Seeds: bins with H > 10 that equal the maximum of their 5-wide (clipped) neighbourhood.
    const seedList: number[] = [];
    for (let i = 0; i < n; i++) {
      const b = bins[i];
      if (checked[b]) continue;
      checked[b] = 1;
      const h = H[b];
      if (h <= 10) continue;
      if (isLocalMax(H, b, h, pz, py, px, is3D)) seedList.push(b);
    }
    const vol = nd === 2 ? dims[1] * dims[2] : dims[0] * dims[1] * dims[2];
    if (seedList.length === 0) return alloc(vol, false);
    // torch.nonzero lists the seeds in raster order of their bins; torch.argsort then orders them
    // by count, leaving equal counts in the order of PyTorch's (unstable) CPU sort
    seedList.sort((a, b) => a - b);
    const order = torchArgsort(seedList.map((b) => H[b]));
    const seeds = Array.from(order, (k) => seedList[k]);
    growSeeds(H, L, seeds, py, px, is3D, scratch);

    // Every labelled pixel is a start pixel, so the big-mask counts and the raster first-appearance
    // renumber (inds are increasing) need only the n points, not the whole image.
    const nSeeds = seeds.length;
    const lab = new Int32Array(n); // region label of each point
    const counts = new Int32Array(nSeeds + 1);
    for (let i = 0; i < n; i++) {
      const l = L[bins[i]];
      lab[i] = l;
      counts[l]++;
    }
    const limit = vol * maxSizeFraction;
    // table[l]: -1 = removed (covers more than maxSizeFraction of the image), 0 = unseen, else new label
    const table = new Int32Array(nSeeds + 1);
    for (let l = 1; l <= nSeeds; l++) if (counts[l] > limit) table[l] = -1;
    const labels = alloc(vol, nSeeds >= 65536);
    let next = 0;
    for (let i = 0; i < n; i++) {
      const l = lab[i];
      if (l === 0) continue;
      let t = table[l];
      if (t === 0) t = table[l] = ++next;
      if (t > 0) labels[inds[i]] = t;
    }
    return labels;
  } finally {
    scratch.release(bins, n);
  }
}

function isLocalMax(H: Int32Array, b: number, h: number, pz: number, py: number, px: number, is3D: boolean): boolean {
  const gplane = py * px;
  const z = (b / gplane) | 0;
  const r = b - z * gplane;
  const y = (r / px) | 0;
  const x = r - y * px;
  const z0 = is3D ? Math.max(0, z - 2) : 0;
  const z1 = is3D ? Math.min(pz - 1, z + 2) : 0;
  const y0 = Math.max(0, y - 2);
  const y1 = Math.min(py - 1, y + 2);
  const x0 = Math.max(0, x - 2);
  const x1 = Math.min(px - 1, x + 2);
  for (let zz = z0; zz <= z1; zz++) {
    for (let yy = y0; yy <= y1; yy++) {
      const row = zz * gplane + yy * px;
      for (let xx = x0; xx <= x1; xx++) if (H[row + xx] > h) return false;
    }
  }
  return true;
}

/**
 * For seed k (in order), label k+1 every bin reachable from the seed in at most 5 steps of
 * 8-connected (26 in 3-D) moves through bins with H > 2: the same set as Cellpose's five rounds of
 * 3x3 max filter AND (W > 2) on the 11-wide window. Later seeds overwrite earlier ones.
 */
function growSeeds(H: Int32Array, L: Int32Array, seeds: number[], py: number, px: number, is3D: boolean, scratch: GetMasksScratch): void {
  const gplane = py * px;
  const neigh: number[] = [];
  for (let dz = is3D ? -1 : 0; dz <= (is3D ? 1 : 0); dz++) {
    for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) if (dz || dy || dx) neigh.push(dz * gplane + dy * px + dx);
  }
  // 5 steps reach at most an 11-wide square (cube): frontiers never hold more bins than that
  const cap = is3D ? 11 ** 3 : 11 ** 2;
  let frontier = new Int32Array(cap);
  let next = new Int32Array(cap);
  for (let k = 0; k < seeds.length; k++) {
    const s = seeds[k];
    const mark = k + 1;
    if (L[s] === 0) scratch.touch(s);
    L[s] = mark;
    frontier[0] = s;
    let nf = 1;
    for (let step = 0; step < 5 && nf > 0; step++) {
      let nn = 0;
      for (let f = 0; f < nf; f++) {
        const b = frontier[f];
        for (const o of neigh) {
          const c = b + o;
          // L[c] === mark: already reached from this seed (marks are unique per seed)
          if (L[c] === mark || H[c] <= 2) continue;
          if (L[c] === 0) scratch.touch(c);
          L[c] = mark;
          next[nn++] = c;
        }
      }
      const t = frontier;
      frontier = next;
      next = t;
      nf = nn;
    }
  }
}
