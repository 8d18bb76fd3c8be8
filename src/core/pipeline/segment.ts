// One segmentation run, orchestration only (ALGORITHMS.md 5.8 for 2-D, 6.1 for do_3D, 6.4 for
// stitching, 1.9 for diameter estimation): channels -> normalize -> tiled network -> resample ->
// masks. The network and the mask computation are injected, so core never touches onnxruntime
// and the backend may route dynamics through its worker pool.
import type { ImageStack } from '../io/image-types.ts';
import { convertChannels } from '../transforms/convert-channels.ts';
import { normalizeImg } from '../transforms/normalize-img.ts';
import { resizeBilinear } from '../transforms/resize.ts';
import { nowMs, throwIfAborted, type AbortSignalLike } from '../util/platform.ts';
import { niterFor } from '../dynamics/niter.ts';
import { flowToRgb } from './flow-rgb.ts';
import type { NetworkRunner } from './network-runner.ts';
import { runTiled } from './run-tiled.ts';
import { run3D } from './run-3d.ts';
import { smoothFlows3D } from './flow3d-smooth.ts';
import { validateOptions, withDefaults, type SegmentOptions } from './segment-options.ts';

export interface SizeModel {
  /** (styleDim,) regression weights. */
  A: Float64Array;
  smean: Float64Array;
  diamMeanPx: number;
  ymean: number;
}

export interface ModelInfo {
  name: string;
  /** diam_mean used for rescale (1.5 loading rules: 30/17 for built-ins, the file's for others). */
  diamMeanPx: number;
  diamLabelsPx: number;
  sizeModel: SizeModel | null;
  /** Where the size model would be, for the error message when it is missing. */
  sizeModelPath: string;
}

export interface SegmentNetwork extends NetworkRunner {
  readonly model: ModelInfo;
  /** Cellpose 3.1's net_ortho (`--pretrained_model_ortho`): the network for the ZY and ZX views of
   *  do_3D; the YX view, 2-D runs and the size model use this one. */
  readonly ortho?: NetworkRunner;
}

export interface MaskParams {
  niter: number;
  cellprobThreshold: number;
  flowThreshold: number;
  interp: boolean;
  maxSizeFraction: number;
  minSize: number;
  dynamics: SegmentOptions['dynamics'];
  /** Size to resize the labels to (nearest) before hole filling, when dynamics ran elsewhere. */
  outShape: number[];
  /** false when stitching planes: min_size is applied after stitching. */
  removeSmall: boolean;
  /** Cellpose 3.1's small-mask removal bug (ALGORITHMS 5.5); false = the fixed rule. */
  legacyV31MinSize?: boolean;
}

/** Labels from flows: dP (ncomp, ...shape), cellprob (...shape), shape (Ly, Lx) or (Lz, Ly, Lx).
 *  Includes Cellpose's fill_holes_and_remove_small_masks. */
export type MasksFn = (dP: Float32Array, cellprob: Float32Array, shape: number[], params: MaskParams, signal?: AbortSignalLike) => Promise<Uint16Array | Uint32Array>;

export type StitchFn = (masks: Uint16Array | Uint32Array, shape: [number, number, number], threshold: number) => Uint16Array | Uint32Array;
export type FinalFillFn = (masks: Uint16Array | Uint32Array, shape: [number, number, number], minSize: number, legacyV31MinSize?: boolean) => Uint16Array | Uint32Array;

export interface SegmentDeps {
  computeMasks: MasksFn;
  stitch?: StitchFn;
  fillAndRemoveSmall3D?: FinalFillFn;
}

export interface SegmentProgress {
  fraction: number;
  stage: string;
}

export interface SegmentResult {
  /** (nZ, Y, X) labels. */
  masks: Uint16Array | Uint32Array;
  shape: [nZ: number, height: number, width: number];
  /** (ncomp, nZ', Y', X') float32: 2 components (dY, dX) in 2-D, 3 (dZ, dY, dX) with do_3D. */
  dP: Float32Array;
  /** (nZ', Y', X') of dP, cellprob and flowRgb: the masks' shape, except with resample off, where
   *  the flows stay at the network's (rescaled) size, as Cellpose returns them. */
  flowShape: [nZ: number, height: number, width: number];
  dPComponents: number;
  /** (nZ', Y', X') float32 logits. */
  cellprob: Float32Array;
  /** (nZ', Y', X', 3) uint8 flow colours. */
  flowRgb: Uint8Array;
  /** Style of the last image/plane (styleDim,). */
  style: Float32Array;
  diameterUsedPx: number;
  /** Size-model estimate (when diameter 0). */
  diameterStylePx?: number;
  rescale: number;
  niterUsed: number;
  /** diameterMs: the size model's estimate and its refinement pass (diameter 0; 0 otherwise), not
   *  counted in preprocessMs. */
  timings: { diameterMs: number; preprocessMs: number; networkMs: number; dynamicsMs: number; totalMs: number };
  warnings: string[];
}

/** rescale = diam_mean / diameter, or diam_mean / diam_labels when no diameter (1.7). */
export function rescaleFor(model: ModelInfo, diameterPx: number | null): number {
  if (diameterPx !== null && diameterPx > 0) return model.diamMeanPx / diameterPx;
  return model.diamMeanPx / model.diamLabelsPx;
}

interface FlowsOut {
  /** (ncomp, nZ, ly, lx) */
  dP: Float32Array;
  ncomp: number;
  /** (nZ, ly, lx) */
  cellprob: Float32Array;
  ly: number;
  lx: number;
  style: Float32Array;
}

/** Network part of the 2-D path: returns flows at the original size (resample) or rescaled size. */
async function flows2D(
  x: Float32Array,
  shape: [number, number, number, number],
  net: NetworkRunner,
  o: SegmentOptions,
  rescale: number,
  signal: AbortSignalLike | undefined,
  progress: (f: number) => void,
): Promise<FlowsOut> {
  const [nz, ly0, lx0] = shape;
  const t = await runTiled(x, shape, net, {
    rescale,
    fast: o.fast,
    augment: o.augment,
    tileOverlap: o.tileOverlap,
    batchSize: o.batchSize,
    signal,
    onBatch: (d, n) => progress(d / n),
  });
  let y = t.y;
  let ly = t.lyr;
  let lx = t.lxr;
  const nout = net.nout;
  if (o.resample && (ly !== ly0 || lx !== lx0 || rescale !== 1)) {
    // flows and cellprob resized back together; flow values are not rescaled (3.5)
    const back = new Float32Array(nz * ly0 * lx0 * nout);
    for (let z = 0; z < nz; z++) {
      back.set(resizeBilinear(y.subarray(z * ly * lx * nout, (z + 1) * ly * lx * nout), [ly, lx, nout], ly0, lx0), z * ly0 * lx0 * nout);
    }
    y = back;
    ly = ly0;
    lx = lx0;
  }
  const npix = nz * ly * lx;
  const dP = new Float32Array(2 * npix);
  const cellprob = new Float32Array(npix);
  for (let p = 0; p < npix; p++) {
    dP[p] = y[p * nout];
    dP[npix + p] = y[p * nout + 1];
    cellprob[p] = y[p * nout + 2];
  }
  return { dP, ncomp: 2, cellprob, ly, lx, style: t.styles.slice((nz - 1) * net.styleDim, nz * net.styleDim) };
}

/**
 * Segment an image stack (Z, Y, X, C). A 2-D image is nZ = 1. A stack without do3D/stitching is
 * segmented plane by plane (each plane normalized separately, 5.8).
 */
export async function segment(
  image: ImageStack,
  options: Partial<SegmentOptions>,
  net: SegmentNetwork,
  deps: SegmentDeps,
  signal?: AbortSignalLike,
  onProgress?: (p: SegmentProgress) => void,
): Promise<SegmentResult> {
  const o = withDefaults(options);
  validateOptions(o);
  const t0 = nowMs();
  const warnings: string[] = [];
  const report = (fraction: number, stage: string): void => onProgress?.({ fraction: Math.min(1, Math.max(0, fraction)), stage });
  const { nZ, height, width } = image;
  if (!(nZ >= 1 && height >= 1 && width >= 1)) throw new RangeError(`image has an empty shape ${nZ}x${height}x${width}`);
  // float32 working copies of (Z, Y, X, channels) and (Z, Y, X, 4) outputs must stay addressable
  // typed arrays (and fit in memory); refuse instead of failing mid-way
  const maxElements = 2 ** 31;
  if (nZ * height * width * Math.max(4, net.nchan) > maxElements) {
    throw new RangeError(`image of ${nZ}x${height}x${width} pixels is too large to segment in one piece (limit ${maxElements / 4} pixels)`);
  }
  if (o.do3D && nZ < 2) throw new RangeError('do_3D needs a z-stack with at least 2 planes; this image is 2-D');

  let diameterPx = o.diameterPx;
  let diameterStylePx: number | undefined;
  if (diameterPx === 0 && o.do3D) {
    // Cellpose 3.1's wrapper (models.Cellpose.eval) does not estimate in 3-D: it warns "could not
    // estimate diameter, does not work on non-2D images" and runs at the model's diam_mean.
    diameterPx = net.model.diamMeanPx;
    const why = net.model.sizeModel ? 'the size model does not work on 3-D input' : `model ${net.model.name} has no size model`;
    warnings.push(`diameter 0: ${why}; using the model's diam_mean, ${diameterPx} px, as Cellpose does`);
  }
  if (diameterPx === 0) {
    // A stack without do_3D: Cellpose 3.1 stops with a ValueError in SizeModel.eval; say why.
    if (nZ > 1) throw new RangeError('diameter estimation (diameter 0) works on 2-D images only; give a diameter for stacks');
    const { estimateDiameter } = await import('./estimate-diameter.ts');
    const est = await estimateDiameter(image, o, net, deps, signal, (f) => report(0.3 * f, 'estimating diameter'));
    diameterPx = est.diameterPx;
    diameterStylePx = est.diameterStylePx;
  }
  // the size model's passes (diameter 0) are their own stage; otherwise preprocessing starts at t0
  const tDiameter = diameterStylePx !== undefined ? nowMs() : t0;

  report(0, 'preprocessing');
  const nchan = net.nchan;
  const x = convertChannels(image, o.channels, nchan);
  const shape: [number, number, number, number] = [nZ, height, width, nchan];
  const stitching = o.stitchThreshold > 0 && nZ > 1 && !o.do3D;
  // A stack without do_3D/stitching is normalized per plane (norm3D forced false); do_3D forces
  // norm3D true; stitching and a single 2-D image keep the user's value (2.2.2; for one plane it
  // matters only with tile_norm_blocksize, where norm3D adds Cellpose's second smoothing pass).
  const norm = { ...o.normalize, norm3D: o.do3D ? true : stitching || nZ === 1 ? o.normalize.norm3D : false };
  normalizeImg(x, shape, norm);
  const rescale = rescaleFor(net.model, diameterPx);
  if (!(Number.isFinite(rescale) && rescale > 0)) throw new RangeError(`invalid rescale ${rescale} (diameter ${diameterPx})`);
  const t1 = nowMs();
  throwIfAborted(signal);

  const base = diameterStylePx === undefined ? 0 : 0.3;
  const netSpan = 0.6 * (1 - base);
  report(base, 'network');
  let flows: FlowsOut;
  if (o.do3D) {
    const r = await run3D(x, shape, net, o, rescale, signal, (f) => report(base + netSpan * f, 'network'), net.ortho);
    flows = { ...r, ly: r.ly, lx: r.lx };
    // flow3D_smooth: Gaussian on each flow component before the dynamics (6.2)
    if (o.flow3DSmooth > 0) smoothFlows3D(flows.dP, [flows.cellprob.length / (r.ly * r.lx), r.ly, r.lx], o.flow3DSmooth);
  } else {
    flows = await flows2D(x, shape, net, o, rescale, signal, (f) => report(base + netSpan * f, 'network'));
  }
  const t2 = nowMs();
  throwIfAborted(signal);

  // Cellpose 3.1's eval rule (5.6: user value > 0, else 200 / rescale with resample) for every
  // dynamics profile: niter is set by the model's eval, and these are Cellpose 3 models.
  const niter = niterFor('v3-cpu', { niter: o.niter, rescale, resample: o.resample });
  let masks: Uint16Array | Uint32Array = new Uint16Array(nZ * height * width);
  report(base + netSpan, 'dynamics');
  if (o.computeMasks) {
    const params: MaskParams = {
      niter,
      cellprobThreshold: o.cellprobThreshold,
      flowThreshold: o.flowThreshold,
      interp: o.interp,
      maxSizeFraction: o.maxSizeFraction,
      minSize: stitching ? -1 : o.minSize,
      dynamics: o.dynamics,
      outShape: [height, width],
      removeSmall: !stitching,
      legacyV31MinSize: o.legacyV31MinSize,
    };
    if (o.do3D) {
      const nz3 = flows.cellprob.length / (flows.ly * flows.lx);
      masks = await deps.computeMasks(flows.dP, flows.cellprob, [nz3, flows.ly, flows.lx], { ...params, outShape: [nZ, height, width] }, signal);
    } else {
      const plane = flows.ly * flows.lx;
      const planes: (Uint16Array | Uint32Array)[] = [];
      for (let z = 0; z < nZ; z++) {
        throwIfAborted(signal);
        const dPz = new Float32Array(2 * plane);
        dPz.set(flows.dP.subarray(z * plane, (z + 1) * plane), 0);
        dPz.set(flows.dP.subarray((nZ + z) * plane, (nZ + z + 1) * plane), plane);
        planes.push(await deps.computeMasks(dPz, flows.cellprob.subarray(z * plane, (z + 1) * plane), [flows.ly, flows.lx], params, signal));
        report(base + netSpan + (1 - base - netSpan) * ((z + 1) / nZ), 'dynamics');
      }
      const big = planes.some((m) => m instanceof Uint32Array);
      masks = big ? new Uint32Array(nZ * height * width) : new Uint16Array(nZ * height * width);
      planes.forEach((m, z) => masks.set(m, z * height * width));
      if (stitching) {
        if (!deps.stitch || !deps.fillAndRemoveSmall3D) throw new RangeError('stitching is not available in this build');
        masks = deps.fillAndRemoveSmall3D(deps.stitch(masks, [nZ, height, width], o.stitchThreshold), [nZ, height, width], o.minSize, o.legacyV31MinSize);
      } else if (nZ > 1) {
        warnings.push('stack segmented plane by plane (2-D masks per plane); use do_3D or stitch_threshold for 3-D masks');
      }
    }
  }
  const t3 = nowMs();
  const npix = flows.cellprob.length;
  report(1, 'done');
  return {
    masks,
    shape: [nZ, height, width],
    dP: flows.dP,
    flowShape: [npix / (flows.ly * flows.lx), flows.ly, flows.lx],
    dPComponents: flows.ncomp,
    cellprob: flows.cellprob,
    flowRgb: flowToRgb(flows.dP, flows.ncomp, npix),
    style: flows.style,
    diameterUsedPx: diameterPx ?? net.model.diamMeanPx / rescale,
    diameterStylePx,
    rescale,
    niterUsed: niter,
    timings: { diameterMs: tDiameter - t0, preprocessMs: t1 - tDiameter, networkMs: t2 - t1, dynamicsMs: t3 - t2, totalMs: t3 - t0 },
    warnings,
  };
}
