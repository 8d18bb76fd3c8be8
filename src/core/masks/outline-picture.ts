// The picture Cellpose 3.1's CLI writes for --save_outlines (io.save_masks): the image, normalized
// and shown in gray, with every outline pixel of the masks in pure red.
import { applyLowHigh, percentilesF32 } from '../transforms/normalize99.ts';
import type { LabelImage } from './labels.ts';
import { masksToOutlines } from './masks-to-outlines.ts';

/** normalize99 on all values together (transforms.normalize99: float32, 1st/99th percentile,
 *  all zeros when the range is <= 1e-3). In place. */
function normalize99All(x: Float32Array): void {
  const [lo, hi] = percentilesF32(x, [1, 99]);
  applyLowHigh(x, [1, 1, x.length, 1], 0, lo, hi);
}

/**
 * RGB bytes (ly, lx, 3) of the outline picture for one 2-D image given as float32 (ly, lx, nchan).
 * Gray and two-channel images follow io.save_masks + plot.image_to_rgb with channels [0, 0]:
 * normalize99 of the whole image, the mean over channels, normalize99 again, clipped to [0, 1],
 * times 255 and truncated to 8 bits. For three or more channels Cellpose 3.1 computes
 * uint8(clip(img * 255, 0, 1)), which leaves only 0 and 1 (a black picture); we write the first
 * three normalized channels clipped to [0, 1] times 255 instead, so the picture shows the image.
 */
export function outlinePicture(image: Float32Array, ly: number, lx: number, nchan: number, masks: LabelImage): Uint8Array {
  const n = ly * lx;
  if (image.length !== n * nchan || masks.length !== n) throw new RangeError(`outlinePicture: image of ${image.length} values, masks of ${masks.length}, for ${ly}x${lx}x${nchan}`);
  const x = Float32Array.from(image);
  normalize99All(x);
  const rgb = new Uint8Array(n * 3);
  if (nchan < 3) {
    const gray = new Float32Array(n);
    for (let p = 0; p < n; p++) {
      let s = 0;
      for (let c = 0; c < nchan; c++) s = Math.fround(s + x[p * nchan + c]);
      gray[p] = Math.fround(s / nchan);
    }
    let min = Infinity;
    let max = -Infinity;
    for (const v of gray) {
      if (v < min) min = v;
      if (v > max) max = v;
    }
    if (max - min > 0) normalize99All(gray);
    for (let p = 0; p < n; p++) {
      const v = Math.trunc(Math.fround(Math.min(1, Math.max(0, gray[p])) * 255));
      rgb[3 * p] = rgb[3 * p + 1] = rgb[3 * p + 2] = v;
    }
  } else {
    for (let p = 0; p < n; p++) {
      for (let c = 0; c < 3; c++) rgb[3 * p + c] = Math.trunc(Math.fround(Math.min(1, Math.max(0, x[p * nchan + c])) * 255));
    }
  }
  const outlines = masksToOutlines(masks, [ly, lx]);
  for (let p = 0; p < n; p++) {
    if (outlines[p]) {
      rgb[3 * p] = 255;
      rgb[3 * p + 1] = 0;
      rgb[3 * p + 2] = 0;
    }
  }
  return rgb;
}
