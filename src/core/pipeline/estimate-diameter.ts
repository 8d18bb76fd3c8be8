// Diameter estimation with the size model (ALGORITHMS.md 1.9, v3.x SizeModel.eval).
import type { ImageStack } from '../io/image-types.ts';
import { diameters } from '../masks/diameters.ts';
import type { AbortSignalLike } from '../util/platform.ts';
import type { SegmentDeps, SegmentNetwork, SizeModel } from './segment.ts';
import { DEFAULT_SEGMENT_OPTIONS, type SegmentOptions } from './segment-options.ts';

/** Linear regression in log space from the image style (step 2): at least 5 px; diam_mean when
 *  the result is 0 or NaN. */
export function diameterFromStyle(style: Float32Array, sm: SizeModel): number {
  if (style.length !== sm.A.length) throw new RangeError(`size model expects a style of length ${sm.A.length}, got ${style.length}`);
  let dot = 0;
  for (let k = 0; k < style.length; k++) dot += sm.A[k] * (style[k] - sm.smean[k]);
  let d = Math.exp(dot + Math.log(sm.diamMeanPx) + sm.ymean);
  d = Math.max(5, d);
  if (d === 0 || Number.isNaN(d)) d = sm.diamMeanPx;
  return d;
}

export async function estimateDiameter(
  image: ImageStack,
  o: SegmentOptions,
  net: SegmentNetwork,
  deps: SegmentDeps,
  signal: AbortSignalLike | undefined,
  progress: (f: number) => void,
): Promise<{ diameterPx: number; diameterStylePx: number }> {
  const sm = net.model.sizeModel;
  if (!sm) throw new RangeError(`model ${net.model.name} has no size model (${net.model.sizeModelPath}); give a diameter instead of 0`);
  const { segment } = await import('./segment.ts');
  // Both passes run with Cellpose's defaults except what its wrapper forwards to SizeModel.eval:
  // channels, normalize (with invert) and batch_size (models.Cellpose.eval, v3.1.1.3). So the
  // user's thresholds, min_size, tile_overlap and augment do not reach the estimate: the refinement
  // computes masks "normally (flow threshold 0.4, cellprob 0, min_size 15)" (ALGORITHMS 1.9), and
  // augment stays off because the wrapper does not pass it on (checked against Cellpose 3.1.1.3:
  // with --augment it estimates the same diameter on img2d as without: 25.706 px with the bundled
  // model of the time, 25.977 px with the present one).
  const base: SegmentOptions = {
    ...DEFAULT_SEGMENT_OPTIONS,
    channels: o.channels,
    normalize: o.normalize,
    batchSize: o.batchSize,
    // not Cellpose options: how this app runs the same computation
    dynamics: o.dynamics,
    fast: o.fast,
    legacyV31MinSize: o.legacyV31MinSize,
  };
  // 1. style pass: diameter None (diam_mean/diam_labels), no resample, no masks
  const stylePass = await segment(image, { ...base, diameterPx: null, resample: false, computeMasks: false }, net, deps, signal, (p) => progress(0.4 * p.fraction));
  const dStyle = diameterFromStyle(stylePass.style, sm);
  // 3. refinement pass at rescale = diam_mean/d_style: resample off, nearest dynamics (interp off);
  // expressed as a diameter so that rescale = model diam_mean / diameter equals it
  const diamForRescale = (net.model.diamMeanPx * dStyle) / sm.diamMeanPx;
  const refine = await segment(image, { ...base, diameterPx: diamForRescale, resample: false, interp: false, computeMasks: true, niter: 0 }, net, deps, signal, (p) => progress(0.4 + 0.6 * p.fraction));
  let d = diameters(refine.masks).diameterPx;
  if (d === 0 || Number.isNaN(d)) d = sm.diamMeanPx;
  return { diameterPx: d, diameterStylePx: dStyle };
}
