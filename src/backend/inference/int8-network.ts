// Fast mode's network on the CPU: the CPnet with every convolution below the first level in int8
// (core/model/build-cpnet-onnx.ts, CpnetBuildOptions.int8Ranges). Its activation ranges are
// measured once per model by running the float32 network, with calibration outputs, over the
// calibration images in resources/calibration (real nuclei images, each at its own diameter and cut
// to about a 256² network input, in fast mode, as one gray channel with the second channel empty:
// see int8Applies), and the graph is
// cached beside the float32 one as `<model>.<hash>.int8-v2.onnx`. The same images and the same
// code give the same graph on every machine, so fast mode stays deterministic.
//
// Why: on this project's 2-core CPU one 512² pass of the default CPnet took 800 ms in float32 and
// 553 ms with int8 below the first level (onnxruntime's QLinearConv, 2.0-2.9x faster than float32
// at 64-256 channels); over the 67 fluorescence images >= 512² its fast-mode masks agreed with
// default mode at AP50 0.992, as float32 fast mode's did, and 0.993 with the second calibration
// (CalibratingRunner; 2026-11-27; docs/PERFORMANCE.md).
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { decodeImage } from '../../core/io/decode-image.ts';
import type { NdArray } from '../../core/array/ndarray.ts';
import type { ImageStack } from '../../core/io/image-types.ts';
import type { SegmentOptions } from '../../core/pipeline/segment-options.ts';
import { readTorchStateDict } from '../../core/io/torch-checkpoint.ts';
import { buildCpnetOnnx, calibChannelOutputName, calibOutputNames, CPNET_INPUT, CPNET_OUTPUT_FLOWS, CPNET_OUTPUT_STYLE, type ConvActivationRange } from '../../core/model/build-cpnet-onnx.ts';
import { directDeps } from '../../core/pipeline/direct-masks.ts';
import type { NetworkOutput, NetworkRunner } from '../../core/pipeline/network-runner.ts';
import { segment } from '../../core/pipeline/segment.ts';
import { usesSecondChannel, type ChannelPair } from '../../core/transforms/convert-channels.ts';
import { writeFileAtomic } from '../io/atomic-write.ts';
import { resourcesFolder } from '../io/resources-folder.ts';
import type { LoadedModel } from './load-model.ts';

/** What the int8 graph is made from: a loaded model without its float32 graph bytes. */
export type Int8Source = Pick<LoadedModel, 'path' | 'spec' | 'info' | 'onnxCachePath'>;

/** Part of the cache file name: a change of the calibration images or method changes it. */
export const INT8_TAG = 'int8-v2';

interface CalibrationImage {
  file: string;
  diameterPx: number;
}

async function calibrationImages(folder: string): Promise<{ image: ImageStack; diameterPx: number }[]> {
  const manifestPath = join(folder, 'calibration.json');
  let list: CalibrationImage[];
  try {
    list = (JSON.parse(await readFile(manifestPath, 'utf8')) as { images: CalibrationImage[] }).images;
  } catch (e) {
    throw new Error(`${manifestPath}: cannot read the calibration list (${e instanceof Error ? e.message : String(e)})`);
  }
  return Promise.all(
    list.map(async (c) => ({ image: await decodeImage(new Uint8Array(await readFile(join(folder, c.file))), { nameHint: c.file }), diameterPx: c.diameterPx })),
  );
}

/** Side of the network input each calibration image is cut to (about; before padding): memory and
 *  time of the calibration pass stay small (a whole 256² image of 7 px nuclei would be 640² at a
 *  17 px diam_mean, and the calibration graph keeps more of its activations alive). */
const CALIBRATION_INPUT_PX = 256;

/** The centre of a 2-D image, at most `side` pixels square. */
function centreCrop(img: ImageStack, side: number): ImageStack {
  const h = Math.min(img.height, side);
  const w = Math.min(img.width, side);
  if (h === img.height && w === img.width) return img;
  const y0 = (img.height - h) >> 1;
  const x0 = (img.width - w) >> 1;
  const c = img.nChannels;
  const src = img.data.data as ArrayLike<number>;
  const out = new Float32Array(h * w * c);
  for (let y = 0; y < h; y++) {
    for (let i = 0; i < w * c; i++) out[y * w * c + i] = src[((y0 + y) * img.width + x0) * c + i];
  }
  return { ...img, height: h, width: w, dtype: 'float32', data: { data: out, shape: [1, h, w, c], dtype: 'float32' } };
}

/** Whether a run's channels allow the int8 network: it is calibrated with the second input channel
 *  empty (Cellpose's [chan, 0], and every nuclei model's only use), so a run with a second channel
 *  (usesSecondChannel: chan and chan2 > 0; or all channels as they are: channels null) keeps the
 *  float32 network in fast mode.
 *  A nuclei model fed a non-empty second channel, which it never saw in training, makes
 *  activations hundreds of times larger than its calibrated ranges. */
export function int8Applies(options: Partial<SegmentOptions>): boolean {
  const channels: ChannelPair | null = options.channels === undefined ? [0, 0] : options.channels;
  return channels !== null && !usesSecondChannel(channels);
}

/**
 * The engine options of a fast run on the int8 network: Cellpose's own 224 px tiles (the engine's
 * `fast` flag only picks the tiling; the network is the caller's). Against one int8 pass of the
 * whole image this keeps the masks much closer to default mode: fast vs default AP50 over the 67
 * large fluorescence images, mean 0.998-0.999 and worst 0.975-0.981 against 0.993-0.995 and
 * 0.892-0.938; the fixture on the StarDist image at 17 px 0.988 against 0.951. It costs 0.68-0.70x
 * of default mode's network time instead of 0.48x (2026-11-27, docs/PERFORMANCE.md). Without the
 * int8 network (a GPU provider, a second channel) fast mode is the one float32 pass.
 */
export function int8RunOptions<T extends Partial<SegmentOptions>>(options: T): T {
  return { ...options, fast: false };
}

/** A NetworkRunner over the calibration graph that records each convolution's activation extremes
 *  at every run (one per calibration image: each is one fast-mode pass).
 *
 *  The per-tensor ranges are the mean over runs of each run's min and max (as PyTorch's
 *  MovingAverageMinMaxObserver and TensorFlow's moving-average calibration take them), not the
 *  extremes over all runs. The extremes come from a few pixels of one image, and a uint8 scale
 *  that covers them leaves the bulk of the activations few levels. Measured (2026-11-27) against
 *  the float32 fast network on the StarDist sample and 20 fluorescence images >= 512² at their
 *  true diameters: the mean |ΔdP| / mean |dP| fell from 0.034 to 0.022 (19-minute fixture) and
 *  from 0.023 to 0.016 (bundled model), with the channel equalization below; averaging without
 *  the equalization clipped the fixture's wide channels (worst image AP50 against default mode
 *  0.88 instead of 0.96). The cost is on images unlike a model's training data, whose activations
 *  go beyond the mean ranges: the fixture, which never saw histology, on 20 histology images 0.017
 *  -> 0.052 (the bundled model, trained on some: 0.014 -> 0.009).
 *
 *  Each convolution input's per-channel max (inChannelHi) is the max over all runs: it sets the
 *  equalization (build-cpnet-onnx's equalizationScales), the channels' relative sizes, not a clip
 *  level. */
class CalibratingRunner implements NetworkRunner {
  private runs = 0;
  private readonly sums: { inLo: number; inHi: number; outLo: number; outHi: number }[];
  private readonly channelHi: number[][];

  constructor(
    private readonly session: ort.InferenceSession,
    readonly nchan: number,
    readonly nout: number,
    readonly styleDim: number,
    private readonly nConv: number,
  ) {
    this.sums = Array.from({ length: nConv }, () => ({ inLo: 0, inHi: 0, outLo: 0, outHi: 0 }));
    this.channelHi = Array.from({ length: nConv }, () => []);
  }

  async run(batch: Float32Array, shape: [number, number, number, number]): Promise<NetworkOutput> {
    const r = await this.session.run({ [CPNET_INPUT]: new ort.Tensor('float32', batch, shape) });
    const scalar = (name: string): number => Number((r[name].data as Float32Array)[0]);
    this.runs++;
    for (let k = 0; k < this.nConv; k++) {
      const [inMin, inMax, outMin, outMax] = calibOutputNames(k).map(scalar);
      const g = this.sums[k];
      g.inLo += inMin;
      g.inHi += inMax;
      g.outLo += outMin;
      g.outHi += outMax;
      const channelMax = r[calibChannelOutputName(k)].data as Float32Array;
      const hi = this.channelHi[k];
      for (let c = 0; c < channelMax.length; c++) hi[c] = Math.max(hi[c] ?? -Infinity, channelMax[c]);
    }
    return { flows: r[CPNET_OUTPUT_FLOWS].data as Float32Array, style: r[CPNET_OUTPUT_STYLE].data as Float32Array };
  }

  /** The ranges over the runs so far (mean extremes; per-channel maxima). */
  ranges(): ConvActivationRange[] {
    if (this.runs === 0) throw new Error('int8 calibration: no calibration image was run');
    return this.sums.map((g, k) => {
      const r = { inLo: g.inLo / this.runs, inHi: g.inHi / this.runs, outLo: g.outLo / this.runs, outHi: g.outHi / this.runs, inChannelHi: this.channelHi[k] };
      if (![r.inLo, r.inHi, r.outLo, r.outHi, ...r.inChannelHi].every(Number.isFinite)) throw new Error(`int8 calibration: convolution ${k} has no finite activation range`);
      return r;
    });
  }
}

/** The activation ranges of a model's convolutions over the calibration images (float32 network,
 *  fast mode, each image at its own diameter). */
export async function calibrateConvRanges(model: Int8Source, tensors: Map<string, NdArray>, folder = resourcesFolder('calibration')): Promise<ConvActivationRange[]> {
  const calibBytes = buildCpnetOnnx(tensors, { calibration: true });
  const session = await ort.InferenceSession.create(calibBytes, { graphOptimizationLevel: 'all', executionProviders: ['cpu'], enableCpuMemArena: false });
  const outputs = new Set(session.outputNames);
  let nConv = 0;
  while (outputs.has(calibChannelOutputName(nConv))) nConv++;
  const runner = new CalibratingRunner(session, model.spec.nchan, model.spec.nout, model.spec.styleDim, nConv);
  try {
    const net = Object.assign(runner, { model: model.info });
    for (const c of await calibrationImages(folder)) {
      const side = Math.max(32, Math.round((CALIBRATION_INPUT_PX * c.diameterPx) / model.info.diamMeanPx));
      await segment(centreCrop(c.image, side), { diameterPx: c.diameterPx, channels: [0, 0], fast: true }, net, directDeps);
    }
  } finally {
    await session.release();
  }
  return runner.ranges();
}

/** Measure a model's activation ranges on the calibration images and build its int8 graph. */
export async function buildInt8Onnx(model: Int8Source, folder = resourcesFolder('calibration')): Promise<Uint8Array> {
  const tensors = readTorchStateDict(new Uint8Array(await readFile(model.path))).tensors;
  return buildCpnetOnnx(tensors, { int8Ranges: await calibrateConvRanges(model, tensors, folder) });
}

/** The int8 graph of a loaded model: from the cache beside its float32 graph when present, else
 *  calibrated now (4-9 s on 2 cores) and cached there. */
export async function int8OnnxFor(model: Int8Source): Promise<{ bytes: Uint8Array; cachePath?: string }> {
  // beside the float32 graph, under its name: <model>.<hash>.onnx -> <model>.<hash>.int8-v2.onnx
  const cachePath = model.onnxCachePath?.replace(/\.onnx$/, `.${INT8_TAG}.onnx`);
  if (cachePath && existsSync(cachePath)) return { bytes: new Uint8Array(await readFile(cachePath)), cachePath };
  const bytes = await buildInt8Onnx(model);
  if (!cachePath) return { bytes };
  try {
    await mkdir(dirname(cachePath), { recursive: true });
    await writeFileAtomic(cachePath, bytes);
    return { bytes, cachePath };
  } catch {
    return { bytes };
  }
}
