// `cellpose-studio segment`: Cellpose's command line (python -m cellpose) on our engine, with the
// same flag names (underscore or kebab-case). Writes <stem>_seg.npy in Cellpose's CLI layout by
// default, plus the optional PNG/TIFF/flows/outline/ROI outputs, and prints one summary line per
// image.
import { mkdir, readdir, realpath, stat } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve as resolvePath } from 'node:path';
import { availableParallelism } from 'node:os';
import { ALL_CHANNELS_MISMATCH } from '../../backend/inference/all-channels.ts';
import { createInferenceService, type ModelSummary, type SegmentInput } from '../../backend/inference/inference-service.ts';
import { PROVIDER_CHOICES, type ProviderChoice } from '../../backend/inference/ort-network.ts';
import { writeFileAtomic } from '../../backend/io/atomic-write.ts';
import { isListedImage, naturalCompare } from '../../backend/io/folder.ts';
import { BUNDLED_MODEL_NAME, UnknownModelError, resolveModel, zooSizeModelBasename, type ResolvedModel } from '../../backend/models/index.ts';
import type { ImageStack } from '../../core/io/image-types.ts';
import { encodePng16, encodePng8 } from '../../core/io/png-write.ts';
import { encodeTiff } from '../../core/io/tiff-write.ts';
import { encodeRoisZip } from '../../core/io/imagej-roi.ts';
import { formatOutlinesTxt } from '../../core/io/outlines-txt.ts';
import { maxLabel, outlinePicture, outlinesList, removeEdgeMasks, toMaskDType } from '../../core/masks/index.ts';
import type { SegmentOptions } from '../../core/pipeline/segment-options.ts';
import type { SegmentResult } from '../../core/pipeline/segment.ts';
import { writeSegParts } from '../../core/seg/write-seg.ts';
import type { CliCommand, CliIo } from '../command.ts';

const USAGE = `usage: cellpose-studio segment (--image_path FILE | --dir DIR) [options]

Segments images with a Cellpose 3 model (no Python) and writes <name>_seg.npy as Cellpose's CLI does.
Flags accept underscores or dashes (--flow_threshold = --flow-threshold).

input/output (names and places as Cellpose 3.1's CLI writes them)
  --image_path FILE        one image (TIFF, PNG, JPEG)
  --dir DIR                every image in DIR (not *_masks, *_flows, *_cellprob, *_cp_output)
  --look_one_level_down    also the images in DIR's immediate sub-folders
  --img_filter S           only images whose name (without extension) ends with S
  --mask_filter S          also leave out images ending with S (default _masks)
  --no_npy                 do not write <name>_seg.npy (always next to the image)
  --save_rois              <name>_rois.zip, ImageJ ROIs (always next to the image)
  --exclude_on_edges       drop masks that touch the image border before saving
 with any of --save_png, --save_tif, --save_flows, --save_txt, into --savedir:
  --savedir DIR            an existing folder (default: the image's folder)
  --dir_above              default --savedir = the folder above the image's folder
  --in_folders             masks/, outlines/, txt_outlines/, flows/ sub-folders of --savedir
  --save_png               <name>_cp_masks.png (16-bit; TIFF above 65535 masks; 3D needs --save_tif)
  --save_tif               <name>_cp_masks.tif (Deflate)
  --save_flows             <name>_flows_cp_masks.tif (flow picture) and <name>_dP_cp_masks.tif (dY, dX)
  --save_txt               <name>_cp_outlines.txt (ImageJ outlines)
  --save_outlines          <name>_outlines_cp_masks.png (the image with red outlines)
  --output_name S          replaces _cp_masks in those names (see Cellpose's rule in the README)
  --verbose                per-stage details and the process's peak memory
model
  --pretrained_model P     model file path or zoo name (default: the bundled model)
  --pretrained_model_ortho P   a second model (same network size) for the ZY and ZX views of
                           --do_3D, as Cellpose 3.1's; with it a built-in model runs without its
                           size model (--diameter 0 = diam_labels) and --all_channels applies
  --use_gpu                use the first GPU execution provider that starts here
                           (CUDA, DirectML, CoreML, then WebGPU), else the CPU
  --gpu NAME               execution provider: cpu, gpu (as --use_gpu), cuda, webgpu, dml, coreml
channels and axes
  --chan N  --chan2 N      1-based channels to segment / nuclei (0 = gray / none); default 0 0
  --all_channels           with your own model: the image's channels as they are (channels=None); their count
                           must be the model's; ignored with the built-in models, as in Cellpose 3.1
  --channel_axis N  --z_axis N   raw axes of the image (override the reader's guess)
  --invert                 invert the image after normalization
  --norm_percentile LO HI  percentiles for normalization (default 1 99)
segmentation
  --diameter D             object diameter in pixels (default 30; 0 = estimate with the size model)
  --flow_threshold F (0.4) --cellprob_threshold F (0)  --min_size N (15)  --niter N (0 = auto)
  --augment  --no_resample  --no_interp  --batch_size N (8)  --tile_overlap F (0.1)
  --do_3D  --stitch_threshold F  --anisotropy F  --flow3D_smooth F
  --dynamics v3-cpu|v4     which Cellpose's mask dynamics to reproduce (default v3-cpu)
  --v31_small_masks        Cellpose 3.1's min_size removal, which can drop the wrong masks after
                           flow QC (default: the fixed rule of Cellpose 4.0.8+)
  --fast                   faster, approximate: on the CPU an int8 network (below the first level)
                           on Cellpose's own tiles; with a GPU provider or a second channel, where
                           it has no int8 network, one larger float32 pass instead of the tiles`;

const BOOL_FLAGS = new Set([
  'augment', 'no_resample', 'do_3d', 'use_gpu', 'save_png', 'save_tif', 'no_npy', 'save_flows', 'save_txt', 'save_rois', 'verbose', 'fast', 'invert', 'no_norm',
  'look_one_level_down', 'all_channels', 'exclude_on_edges', 'dir_above', 'in_folders', 'save_outlines', 'save_mpl', 'no_interp', 'check_mkl', 'v31_small_masks',
]);
const VALUE_FLAGS = new Set([
  'image_path', 'dir', 'pretrained_model', 'diameter', 'chan', 'chan2', 'channel_axis', 'z_axis', 'flow_threshold', 'cellprob_threshold', 'min_size', 'niter',
  'batch_size', 'tile_overlap', 'stitch_threshold', 'anisotropy', 'savedir', 'gpu', 'dynamics', 'flow3d_smooth', 'img_filter', 'norm_percentile', 'output_name',
  'mask_filter', 'gpu_device', 'pretrained_model_ortho',
]);
/** Cellpose 3.1 CLI flags this command does not do, with what to do instead. */
const TRAIN_HINT = 'training runs in Cellpose itself, on the _seg.npy files this app saves: python -m cellpose --train --dir DIR --mask_filter _seg.npy';
const UNSUPPORTED_FLAGS = new Map<string, string>([
  ...['train', 'train_size', 'test_dir', 'file_list', 'diam_mean', 'learning_rate', 'weight_decay', 'n_epochs', 'nimg_per_epoch', 'nimg_test_per_epoch', 'min_train_masks', 'sgd', 'save_every', 'model_name_out'].map(
    (f): [string, string] => [f, TRAIN_HINT],
  ),
  ...['restore_type', 'chan2_restore'].map((f): [string, string] => [f, 'image restoration models (denoise, deblur, upsample) are not supported']),
  ['transformer', 'the transformer_cp3 model is not supported'],
]);

export interface SegmentArgs {
  values: Map<string, string[]>;
  flags: Set<string>;
}

/** --flag value / --flag=value, kebab or underscore, case-insensitive (do_3D). */
export function parseSegmentArgs(argv: string[]): SegmentArgs {
  const values = new Map<string, string[]>();
  const flags = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) throw new Error(`unexpected argument '${a}' (images are given with --image_path or --dir)`);
    const eq = a.indexOf('=');
    const name = (eq >= 0 ? a.slice(2, eq) : a.slice(2)).replace(/-/g, '_').toLowerCase();
    const unsupported = UNSUPPORTED_FLAGS.get(name);
    if (unsupported) throw new Error(`--${name} is not supported: ${unsupported}`);
    if (BOOL_FLAGS.has(name)) {
      flags.add(name);
      continue;
    }
    if (!VALUE_FLAGS.has(name)) throw new Error(`unknown option '${a}'`);
    const vals: string[] = [];
    if (eq >= 0) vals.push(a.slice(eq + 1));
    else {
      const n = name === 'norm_percentile' ? 2 : 1;
      for (let k = 0; k < n; k++) {
        const v = argv[++i];
        if (v === undefined) throw new Error(`--${name} needs a value`);
        vals.push(v);
      }
    }
    values.set(name, vals);
  }
  return { values, flags };
}

function num(args: SegmentArgs, name: string): number | undefined {
  const v = args.values.get(name)?.[0];
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new Error(`--${name} must be a number, got '${v}'`);
  return n;
}

function axis(args: SegmentArgs, name: string): number | null | undefined {
  const v = args.values.get(name)?.[0];
  if (v === undefined) return undefined;
  if (v === 'none' || v === 'None') return null;
  const n = Number(v);
  if (!Number.isInteger(n)) throw new Error(`--${name} must be an integer axis index, got '${v}'`);
  return n;
}

export function optionsFromArgs(args: SegmentArgs): Partial<SegmentOptions> {
  const o: Partial<SegmentOptions> = {};
  o.diameterPx = num(args, 'diameter') ?? 30;
  const chan = num(args, 'chan') ?? 0;
  const chan2 = num(args, 'chan2') ?? 0;
  // --all_channels (channels=None) depends on the model, so run() decides it: allChannelsApplies
  o.channels = [chan, chan2];
  const set = <K extends keyof SegmentOptions>(k: K, v: SegmentOptions[K] | undefined): void => {
    if (v !== undefined) o[k] = v;
  };
  set('flowThreshold', num(args, 'flow_threshold'));
  set('cellprobThreshold', num(args, 'cellprob_threshold'));
  set('minSize', num(args, 'min_size'));
  set('niter', num(args, 'niter'));
  set('batchSize', num(args, 'batch_size'));
  set('tileOverlap', num(args, 'tile_overlap'));
  set('stitchThreshold', num(args, 'stitch_threshold'));
  set('anisotropy', num(args, 'anisotropy'));
  set('flow3DSmooth', num(args, 'flow3d_smooth'));
  o.augment = args.flags.has('augment');
  o.resample = !args.flags.has('no_resample');
  o.do3D = args.flags.has('do_3d');
  o.fast = args.flags.has('fast');
  if (args.flags.has('no_interp')) o.interp = false;
  if (args.flags.has('v31_small_masks')) o.legacyV31MinSize = true;
  const dyn = args.values.get('dynamics')?.[0];
  if (dyn !== undefined) {
    if (dyn !== 'v3-cpu' && dyn !== 'v4' && dyn !== 'v3-gpu') throw new Error(`--dynamics must be v3-cpu, v3-gpu or v4, got '${dyn}'`);
    o.dynamics = dyn;
  }
  const pct = args.values.get('norm_percentile');
  o.normalize = {
    // __main__.py (3.1): --norm_percentile makes normalize a dict of percentiles, so it wins over --no_norm
    normalize: pct !== undefined || !args.flags.has('no_norm'),
    percentile: pct ? [Number(pct[0]), Number(pct[1])] : [1, 99],
    lowhigh: null,
    norm3D: true,
    // Cellpose 3.1 applies its invert argument only when normalize is a bool: with --norm_percentile
    // normalize is a dict without 'invert', and CellposeModel.eval merges it with the defaults
    // (invert False), so --invert is ignored (checked against Cellpose 3.1.1.3: the same masks and
    // estimated diameter with and without it). run() warns.
    invert: args.flags.has('invert') && pct === undefined,
    tileNormBlocksize: 0,
  };
  return o;
}

/** Images of --dir (and of its immediate sub-folders with --look_one_level_down), picked and
 *  ordered as Cellpose's io.get_image_files does: its extensions, its output endings and
 *  --mask_filter left out, --img_filter as the required end of the name. */
export async function listImages(dir: string, args: SegmentArgs): Promise<string[]> {
  const filter = args.values.get('img_filter')?.[0];
  const maskFilter = args.values.get('mask_filter')?.[0] ?? '_masks';
  const folders = [dir];
  if (args.flags.has('look_one_level_down')) {
    folders.push(...(await readdir(dir, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => join(dir, d.name)));
  }
  const out: string[] = [];
  for (const folder of folders) {
    for (const n of await readdir(folder)) {
      if (!isListedImage(n, maskFilter)) continue;
      if (filter && !n.slice(0, n.length - extname(n).length).endsWith(filter)) continue;
      if ((await stat(join(folder, n))).isFile()) out.push(join(folder, n));
    }
  }
  // natsorted over the whole paths, as Cellpose orders them
  return out.sort(naturalCompare);
}

/**
 * Whether Cellpose 3.1's __main__.py runs this model through models.Cellpose, its wrapper with the
 * size model: only the built-in models that have one (cyto, cyto2, cyto3, nuclei; and the bundled
 * model, which stands in for Cellpose's default cyto3), and only without --pretrained_model_ortho.
 * Every other run goes through CellposeModel. That decides two things:
 * - --all_channels: the wrapper never looks at the flag, so --chan/--chan2 stay in force (checked
 *   against Cellpose 3.1.1.3: --pretrained_model nuclei --all_channels gives the gray result);
 *   through CellposeModel channels=None applies, and the first image's channel count must be the
 *   model's (checked in the worker as it decodes that image: all-channels.ts);
 * - --diameter 0: only the wrapper estimates; otherwise it means diam_labels (diameterZeroFallback).
 */
function viaCellposeWrapper(resolved: ResolvedModel, orthoGiven: boolean): boolean {
  const builtinWithSize = resolved.kind === 'bundled' || (resolved.builtinName !== undefined && zooSizeModelBasename(resolved.builtinName) !== null);
  return builtinWithSize && !orthoGiven;
}

/** Why --diameter 0 cannot estimate for this run and falls back to diam_labels, as Cellpose 3.1's
 *  CLI does; null when it estimates with the size model. */
function diameterZeroFallback(model: ModelSummary, resolved: ResolvedModel, orthoGiven: boolean): string | null {
  const labels = `diam_labels ${model.diamLabelsPx.toFixed(3)} px`;
  if (!model.hasSizeModel) {
    return `model ${model.name} has no size model (${resolved.sizeModelPath ?? `${resolved.path}_size.npy`}): cannot estimate the diameter; using ${labels} for all images, as Cellpose does`;
  }
  if (viaCellposeWrapper(resolved, orthoGiven)) return null;
  // with an ortho model even cyto3 / nuclei run as CellposeModel, which has no size model
  if (orthoGiven) return `with --pretrained_model_ortho Cellpose 3.1 runs ${model.name} without its size model: cannot estimate the diameter; using ${labels} for all images, as Cellpose does`;
  // any other model runs at its diam_labels, even with a <model>_size.npy beside it
  return (
    `Cellpose 3.1's CLI estimates diameters only with cyto3, cyto2, cyto and nuclei (here also the bundled model): ` +
    `using ${labels} of ${model.name} for all images, as Cellpose does; its size model ${resolved.sizeModelPath ?? ''} is not used (the GUI's calibrate uses it)`
  );
}

/**
 * --pretrained_model_ortho as Cellpose 3.1 resolves it (models.get_model_params): a model name it
 * knows (downloaded when missing) or an existing path; anything else is dropped silently there and
 * with a warning here, and the three views then use --pretrained_model. Either way a non-empty value
 * sends a built-in model through CellposeModel, without its size model (__main__.py).
 */
async function resolveOrtho(arg: string | undefined, warn: (m: string) => void): Promise<{ given: boolean; path?: string }> {
  if (arg === undefined || arg === '') return { given: false };
  try {
    return { given: true, path: (await resolveModel(arg, { sizeModel: false })).path };
  } catch (e) {
    if (!(e instanceof UnknownModelError)) throw e;
    warn(`--pretrained_model_ortho ${arg} is not a model name or file: the ZY and ZX views use --pretrained_model, as in Cellpose 3.1 (${e.message})`);
    return { given: true };
  }
}

/** --gpu NAME picks one provider; --use_gpu (Cellpose's flag) takes the first GPU provider that
 *  starts here (ort-network's GPU_PREFERENCE), else the CPU with a warning. */
function pickProvider(args: SegmentArgs): ProviderChoice {
  const named = args.values.get('gpu')?.[0];
  if (named) {
    if (!PROVIDER_CHOICES.includes(named as ProviderChoice)) throw new Error(`--gpu must be one of ${PROVIDER_CHOICES.join(', ')}, got '${named}'`);
    return named as ProviderChoice;
  }
  return args.flags.has('use_gpu') ? 'gpu' : 'cpu';
}

/** Cellpose's check_dir: make the folder (not its parents) when it is missing. */
async function checkDir(dir: string): Promise<void> {
  const st = await stat(dir).catch(() => null);
  if (st?.isDirectory()) return;
  if (st) throw new Error(`${dir} exists and is not a folder`);
  await mkdir(dir);
}

/** The mask-file suffix of __main__.py (3.1): _cp_masks, or --output_name when --savedir is unset
 *  and the name is not empty, or when --savedir is set and is not the --dir folder (then it may be
 *  empty). Cellpose compares with os.path.samefile, which fails without --dir; here no --dir counts
 *  as a different folder. */
async function maskSuffix(args: SegmentArgs): Promise<string> {
  const name = args.values.get('output_name')?.[0];
  if (name === undefined) return '_cp_masks';
  const savedir = args.values.get('savedir')?.[0];
  if (savedir === undefined) return name.length > 0 ? name : '_cp_masks';
  const dir = args.values.get('dir')?.[0];
  const same = dir !== undefined && (await realpath(savedir).catch(() => savedir)) === (await realpath(dir).catch(() => dir));
  return same ? '_cp_masks' : name;
}

interface SaveContext {
  file: string;
  r: SegmentResult & { image?: ImageStack };
  masks: Uint16Array | Uint32Array | Int32Array;
  /** maxLabel(masks), counted once per image. */
  nMasks: number;
  args: SegmentArgs;
  modelPath: string;
  opts: Partial<SegmentOptions>;
  warn: (message: string) => void;
}

/**
 * What Cellpose 3.1's CLI writes for one image: <stem>_seg.npy next to the image (whatever
 * --savedir says), the io.save_masks outputs when --save_png/--save_tif/--save_flows/--save_txt
 * is given, and <stem>_rois.zip next to the image. Returns the paths written.
 */
async function saveOutputs(c: SaveContext): Promise<string[]> {
  const { file, r, args } = c;
  const ext = extname(file);
  const stem = basename(file, ext);
  const imageDir = dirname(resolvePath(file));
  const [nZ, ly, lx] = r.shape;
  const is3D = nZ > 1;
  const spatial = is3D ? [nZ, ly, lx] : [ly, lx];
  const segMasks = c.masks instanceof Int32Array ? toMaskDType(c.masks) : c.masks;
  const written: string[] = [];
  const put = async (dir: string, name: string, bytes: Uint8Array | string | readonly Uint8Array[]): Promise<void> => {
    const p = join(dir, name);
    await writeFileAtomic(p, bytes);
    written.push(p);
  };
  const [fz, fy, fx] = r.flowShape;
  const flowSpatial = is3D ? [fz, fy, fx] : [fy, fx];
  if (!args.flags.has('no_npy')) {
    // in pieces, the arrays' data not copied: this run owns them and nothing changes them
    const seg = writeSegParts(
      {
        masks: { data: segMasks, shape: spatial, dtype: segMasks instanceof Uint32Array ? 'uint32' : 'uint16' },
        // flows at their own size and component count (resample off, stitched planes)
        flows: {
          dP: { data: r.dP, shape: [r.dPComponents, ...flowSpatial], dtype: 'float32' },
          cellprob: { data: r.cellprob, shape: flowSpatial, dtype: 'float32' },
          rgb: { data: r.flowRgb, shape: [fz, fy, fx, 3], dtype: 'uint8' },
        },
        diameter: r.diameterUsedPx,
        // Cellpose's CLI stores the image path without its extension
        filename: join(dirname(file), stem),
        modelPath: c.modelPath,
        flowThreshold: c.opts.flowThreshold ?? 0.4,
        cellprobThreshold: c.opts.cellprobThreshold ?? 0,
        chanChoose: (c.opts.channels as [number, number] | null) ?? [0, 0],
      },
      'cli',
    );
    await put(imageDir, `${stem}_seg.npy`, seg);
  }
  const f = (name: string): boolean => args.flags.has(name);
  if (f('save_png') || f('save_tif') || f('save_flows') || f('save_txt')) await saveMasks(c, stem, imageDir, spatial, put);
  if (f('save_rois')) {
    if (is3D) c.warn('--save_rois writes 2-D outlines only; skipped for this 3-D image');
    else await put(imageDir, `${stem}_rois.zip`, encodeRoisZip(outlinesList(c.masks, [ly, lx])));
  }
  return written;
}

/** io.save_masks of Cellpose 3.1 (GUI_AND_FORMATS C.3, B.6, B.9). */
async function saveMasks(
  c: SaveContext,
  stem: string,
  imageDir: string,
  spatial: number[],
  put: (dir: string, name: string, bytes: Uint8Array | string) => Promise<void>,
): Promise<void> {
  const { args, masks, nMasks } = c;
  const is3D = spatial.length === 3;
  const [ly, lx] = spatial.slice(-2);
  let png = args.flags.has('save_png');
  let tif = args.flags.has('save_tif');
  let saveFlows = args.flags.has('save_flows');
  let saveTxt = args.flags.has('save_txt');
  let saveOutlines = args.flags.has('save_outlines');
  if (is3D && !tif) throw new Error('cannot save 3D outputs as PNG, use --save_tif');
  if (nMasks === 0) {
    c.warn('no masks found, will not save PNG or outlines');
    if (!tif) return;
    png = saveOutlines = saveFlows = saveTxt = false;
  }
  const savedir = args.values.get('savedir')?.[0] ?? (args.flags.has('dir_above') ? dirname(imageDir) : imageDir);
  await checkDir(savedir);
  const inFolders = args.flags.has('in_folders');
  const sub = (name: string): string => (inFolders ? join(savedir, name) : savedir);
  const suffix = await maskSuffix(args);
  await checkDir(sub('masks'));
  if (is3D) {
    png = false;
    tif = true;
  }
  if (png && nMasks >= 2 ** 16) {
    png = false;
    tif = true;
    c.warn('found more than 65535 masks in each image, cannot save PNG, saving as TIF');
  }
  if (png) await put(sub('masks'), `${stem}${suffix}.png`, encodePng16({ data: Uint16Array.from(masks), shape: [ly, lx], dtype: 'uint16' }));
  // tifffile.imwrite(..., compression='zlib') of the masks as they are (int32 after --exclude_on_edges)
  const maskDType = masks instanceof Int32Array ? 'int32' : masks instanceof Uint32Array ? 'uint32' : 'uint16';
  if (tif) await put(sub('masks'), `${stem}${suffix}.tif`, encodeTiff({ data: masks, shape: spatial, dtype: maskDType }, { compression: 'deflate' }));
  if (args.flags.has('save_mpl')) c.warn('--save_mpl draws a matplotlib figure; cellpose-studio does not write it');
  if (is3D) return;
  if (saveTxt) {
    await checkDir(sub('txt_outlines'));
    await put(sub('txt_outlines'), `${stem}_cp_outlines.txt`, formatOutlinesTxt(outlinesList(masks, [ly, lx])));
  }
  if (saveOutlines) {
    await checkDir(sub('outlines'));
    const img = c.r.image;
    if (!img) throw new Error('--save_outlines needs the decoded image');
    const pixels = Float32Array.from(img.data.data as ArrayLike<number>);
    const rgb = outlinePicture(pixels, ly, lx, img.nChannels, masks);
    await put(sub('outlines'), `${stem}_outlines${suffix}.png`, encodePng8({ data: rgb, shape: [ly, lx, 3], dtype: 'uint8' }));
  }
  if (saveFlows) {
    await checkDir(sub('flows'));
    // Cellpose 3.1 writes (flows[0] * (2**16 - 1)).astype(np.uint16) of the 8-bit flow picture:
    // with numpy 1 the product is computed in uint16 and wraps, giving 65536 - v (0 stays 0). We
    // write those same values; the GUI's Ctrl+F export gives the plain 8-bit pictures.
    const wrapped = new Uint16Array(c.r.flowRgb.length);
    for (let i = 0; i < wrapped.length; i++) wrapped[i] = (c.r.flowRgb[i] * 65535) & 0xffff;
    // both at the flows' own size (the network's with --no_resample), as Cellpose writes flows[0] and flows[1]
    const [, fy, fx] = c.r.flowShape;
    await put(sub('flows'), `${stem}_flows${suffix}.tif`, encodeTiff({ data: wrapped, shape: [fy, fx, 3], dtype: 'uint16' }, { compression: 'deflate', rgb: true }));
    await put(sub('flows'), `${stem}_dP${suffix}.tif`, encodeTiff({ data: c.r.dP, shape: [2, fy, fx], dtype: 'float32' }, { compression: 'deflate' }));
  }
}

async function run(argv: string[], io: CliIo): Promise<number> {
  const args = parseSegmentArgs(argv);
  const imagePath = args.values.get('image_path')?.[0];
  const dir = args.values.get('dir')?.[0];
  if (!imagePath && !dir) throw new Error('give --image_path FILE or --dir DIR');
  const opts = optionsFromArgs(args);
  if (args.flags.has('invert') && args.values.has('norm_percentile')) {
    io.err('warning: --invert is ignored together with --norm_percentile, as Cellpose 3.1 ignores it (its percentile options replace the invert flag)');
  }
  const files = imagePath ? [imagePath] : await listImages(dir as string, args);
  if (files.length === 0) throw new Error(`no images found in ${dir}`);
  const savedir = args.values.get('savedir')?.[0];
  // __main__.py (3.1): a --savedir that does not exist is an error, not created
  if (savedir !== undefined && !(await stat(savedir).catch(() => null))) throw new Error(`--savedir ${savedir} does not exist`);
  const axes = { zAxis: axis(args, 'z_axis'), channelAxis: axis(args, 'channel_axis') };
  const modelArg = args.values.get('pretrained_model')?.[0] ?? BUNDLED_MODEL_NAME;
  const resolved = await resolveModel(modelArg);
  const ortho = await resolveOrtho(args.values.get('pretrained_model_ortho')?.[0], (m) => io.err(`warning: ${m}`));
  const verbose = args.flags.has('verbose');
  const gpuDevice = args.values.get('gpu_device')?.[0];
  if (gpuDevice !== undefined && gpuDevice !== '0') io.err(`warning: --gpu_device ${gpuDevice}: the execution provider runs on its default device (0)`);
  for (const w of resolved.warnings) io.err(`warning: ${w}`);
  const svc = createInferenceService({ provider: pickProvider(args), intraOpThreads: availableParallelism(), dynamicsPool: files.length > 1 ? 'prestart' : 'lazy' });
  let failures = 0;
  try {
    const model = await svc.loadModel(resolved.path, { builtinName: resolved.builtinName, sizeModelPath: resolved.sizeModelPath, orthoPath: ortho.path });
    for (const w of model.warnings) io.err(`warning: ${w}`);
    if (opts.diameterPx === 0) {
      const why = diameterZeroFallback(model, resolved, ortho.given);
      if (why !== null) {
        io.err(`warning: ${why}`);
        opts.diameterPx = model.diamLabelsPx;
      }
    }
    // --all_channels with a custom model: the first image's channel count is checked as it is decoded
    let allChannelsOf: SegmentInput['allChannelsOf'];
    if (args.flags.has('all_channels')) {
      if (!viaCellposeWrapper(resolved, ortho.given)) {
        opts.channels = null;
        allChannelsOf = { modelName: resolved.name, modelChannels: model.nbase[0] };
      } else io.err(`warning: --all_channels is ignored with the built-in model ${resolved.name}, as Cellpose 3.1 ignores it with its built-in models that have a size model; --chan/--chan2 are used`);
    }
    if (verbose) io.err(`model ${model.name}: nbase [${model.nbase.join(',')}], diam_mean ${model.diamMeanPx}, provider ${model.providerUsed}${model.orthoName ? `; ZY/ZX views: ${model.orthoName}` : ''}`);
    for (const file of files) {
      const t0 = Date.now();
      try {
        const input: SegmentInput = { path: file, axes: axes.zAxis === undefined && axes.channelAxis === undefined ? undefined : axes };
        if (file === files[0] && allChannelsOf) input.allChannelsOf = allChannelsOf;
        const r = await svc.segment(input, opts, (p) => io.progress(p.fraction, `${basename(file)}: ${p.stage}`));
        for (const w of r.warnings) io.err(`warning: ${basename(file)}: ${w}`);
        for (const w of r.image?.warnings ?? []) io.err(`warning: ${basename(file)}: ${w}`);
        let masks: Uint16Array | Uint32Array | Int32Array = r.masks;
        if (args.flags.has('exclude_on_edges')) {
          // utils.remove_edge_masks, before anything is saved; its renumbered masks are int32
          masks = Int32Array.from(r.masks);
          removeEdgeMasks(masks, r.shape[0] > 1 ? r.shape : r.shape.slice(1));
        }
        const n = maxLabel(masks);
        const written = await saveOutputs({ file, r, masks, nMasks: n, args, modelPath: resolved.path, opts, warn: (m) => io.err(`warning: ${basename(file)}: ${m}`) });
        const s = (ms: number): string => (ms / 1000).toFixed(2);
        io.out(
          `${basename(file)}: ${n} masks, diameter ${r.diameterUsedPx.toFixed(1)} px, ` +
            (r.timings.diameterMs > 0 ? `size model ${s(r.timings.diameterMs)} s, ` : '') +
            `preprocess ${s(r.timings.preprocessMs)} s, network ${s(r.timings.networkMs)} s, ` +
            `dynamics ${s(r.timings.dynamicsMs)} s, total ${s(Date.now() - t0)} s`,
        );
        if (verbose && r.int8Network) io.err('  network: int8 below the first level (fast mode on the CPU)');
        if (verbose) for (const w of written) io.err(`  wrote ${w}`);
      } catch (e) {
        // as in Cellpose, where the model cannot be built for that channel count: nothing runs
        if (e instanceof Error && e.name === ALL_CHANNELS_MISMATCH) throw e;
        failures++;
        io.err(`${file}: error: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
  } finally {
    await svc.dispose();
  }
  // maxRSS: kilobytes, the whole process with its worker threads
  if (verbose) io.err(`peak memory ${(process.resourceUsage().maxRSS / 2 ** 20).toFixed(2)} GB`);
  return failures === 0 ? 0 : 1;
}

export const segmentCommand: CliCommand = {
  name: 'segment',
  summary: 'segment images with a Cellpose 3 model (writes _seg.npy like Cellpose)',
  usage: USAGE,
  run,
};
