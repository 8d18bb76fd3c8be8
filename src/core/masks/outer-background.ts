// The "outer background" of one mask inside its bounding box: non-mask pixels 4-connected to the
// outside of the box, the box being surrounded by a one-pixel frame of background. Cellpose's
// outline pixels (7.1), its external contours (7.2) and its hole filling (5.5) all hinge on this set.

export const OUTSIDE = 0;
export const INSIDE = 1;
export const OUTER = 2;

/** Reusable scratch memory for crops, so per-mask work does not allocate in the loop. */
export class CropScratch {
  crop = new Uint8Array(0);
  stack = new Int32Array(0);

  ensure(n: number): void {
    if (this.crop.length < n) {
      const size = Math.max(n, this.crop.length * 2);
      this.crop = new Uint8Array(size);
      this.stack = new Int32Array(size);
    }
  }

  /**
   * Copies the box rows [y0, y0+h) x cols [x0, x0+w) of a (.., lx) label plane into the crop with a
   * one-pixel frame: INSIDE where the label equals `label`, OUTSIDE elsewhere. Returns the crop
   * view of (h+2) x (w+2) entries; its column count is w + 2.
   */
  loadPaddedCrop(plane: ArrayLike<number>, lx: number, label: number, y0: number, x0: number, h: number, w: number): Uint8Array {
    const cols = w + 2;
    const n = (h + 2) * cols;
    this.ensure(n);
    const crop = this.crop.subarray(0, n);
    crop.fill(OUTSIDE);
    for (let y = 0; y < h; y++) {
      const src = (y0 + y) * lx + x0;
      const dst = (y + 1) * cols + 1;
      for (let x = 0; x < w; x++) if (plane[src + x] === label) crop[dst + x] = INSIDE;
    }
    return crop;
  }
}

/**
 * Marks, in a padded crop of `rows` x `cols` (frame included) holding INSIDE for mask pixels and
 * OUTSIDE elsewhere, every OUTSIDE pixel 4-connected to the frame as OUTER. Only the first
 * rows*cols entries of `crop` are used.
 */
export function markOuterBackground(crop: Uint8Array, stack: Int32Array, rows: number, cols: number): void {
  let top = 0;
  // The frame pixels are OUTSIDE by construction: seed the fill with all of them.
  const push = (i: number): void => {
    if (crop[i] === OUTSIDE) {
      crop[i] = OUTER;
      stack[top++] = i;
    }
  };
  for (let x = 0; x < cols; x++) {
    push(x);
    push((rows - 1) * cols + x);
  }
  for (let y = 1; y < rows - 1; y++) {
    push(y * cols);
    push(y * cols + cols - 1);
  }
  while (top > 0) {
    const i = stack[--top];
    const y = (i / cols) | 0;
    const x = i - y * cols;
    if (y > 0) push(i - cols);
    if (y < rows - 1) push(i + cols);
    if (x > 0) push(i - 1);
    if (x < cols - 1) push(i + 1);
  }
}

/**
 * 3-D version: a padded crop of `planes` x `rows` x `cols` (frame on all six faces); OUTSIDE voxels
 * 6-connected to the frame become OUTER (fill_voids semantics).
 */
export function markOuterBackground3D(crop: Uint8Array, stack: Int32Array, planes: number, rows: number, cols: number): void {
  const plane = rows * cols;
  let top = 0;
  const push = (i: number): void => {
    if (crop[i] === OUTSIDE) {
      crop[i] = OUTER;
      stack[top++] = i;
    }
  };
  for (let z = 0; z < planes; z++) {
    for (let y = 0; y < rows; y++) {
      const onFace = z === 0 || z === planes - 1 || y === 0 || y === rows - 1;
      const base = z * plane + y * cols;
      if (onFace) {
        for (let x = 0; x < cols; x++) push(base + x);
      } else {
        push(base);
        push(base + cols - 1);
      }
    }
  }
  while (top > 0) {
    const i = stack[--top];
    const z = (i / plane) | 0;
    const r = i - z * plane;
    const y = (r / cols) | 0;
    const x = r - y * cols;
    if (z > 0) push(i - plane);
    if (z < planes - 1) push(i + plane);
    if (y > 0) push(i - cols);
    if (y < rows - 1) push(i + cols);
    if (x > 0) push(i - 1);
    if (x < cols - 1) push(i + 1);
  }
}
