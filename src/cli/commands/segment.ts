// `cellpose-studio segment`: Cellpose's command line (python -m cellpose) on our engine, with the
// same flag names (underscore or kebab-case). Writes <stem>_seg.npy in Cellpose's CLI layout by
// default, plus the optional PNG/TIFF/flows/outline/ROI outputs, and prints one summary line per
// image.
import { mkdir, readdir, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { availableParallelism } from 'node:os';
import { createInferenceService } from '../../backend/inference/inference-service.ts';
import { availableProviders, type ExecutionProvider } from '../../backend/inference/ort-network.ts';
import { BUNDLED_MODEL_NAME, resolveModel } from '../../backend/models/index.ts';
import { encodePng16 } from '../../core/io/png-write.ts';
import { encodeTiff } from '../../core/io/tiff-write.ts';
import { encodeRoisZip } from '../../core/io/imagej-roi.ts';
import { outlinesList } from '../../core/masks/outlines-list.ts';
import type { SegmentOptions } from '../../core/pipeline/segment-options.ts';
import type { SegmentResult } from '../../core/pipeline/segment.ts';
import { writeSeg } from '../../core/seg/write-seg.ts';
import type { CliCommand, CliIo } from '../command.ts';

const USAGE = `usage: cellpose-studio segment (--image_path FILE | --dir DIR) [options]

Segments images with a Cellpose 3 model (no Python) and writes <name>_seg.npy as Cellpose's CLI does.
Flags accept underscores or dashes (--flow_threshold = --flow-threshold).

input/output
  --image_path FILE        one image (TIFF, PNG, JPEG)
  --dir DIR                every image in DIR (not *_masks, *_flows, *_seg, *_cp_output)
  --savedir DIR            where outputs go (default: next to each image)
  --no_npy                 do not write <name>_seg.npy
  --save_png               <name>_cp_masks.png (16-bit)      --save_tif   <name>_cp_masks.tif
  --save_flows             <name>_flows.tif (flow colours)   --save_txt   <name>_cp_outlines.txt
  --save_rois              <name>_rois.zip (ImageJ ROIs)     --verbose    per-stage details
model
  --pretrained_model P     model file path or zoo name (default: the bundled model)
  --use_gpu                use a GPU execution provider when one is available
  --gpu NAME               execution provider: cpu, cuda, webgpu, dml, coreml
channels and axes
  --chan N  --chan2 N      1-based channels to segment / nuclei (0 = gray / none); default 0 0
  --all_channels           use the image's first nchan channels as they are (channels=None)
  --channel_axis N  --z_axis N   raw axes of the image (override the reader's guess)
  --invert                 invert the image after normalization
  --norm_percentile LO HI  percentiles for normalization (default 1 99)
segmentation
  --diameter D             object diameter in pixels (default 30; 0 = estimate with the size model)
  --flow_threshold F (0.4) --cellprob_threshold F (0)  --min_size N (15)  --niter N (0 = auto)
  --augment  --no_resample  --batch_size N (8)  --tile_overlap F (0.1)
  --do_3D  --stitch_threshold F  --anisotropy F  --flow3D_smooth F
  --dynamics v3-cpu|v4     which Cellpose's mask dynamics to reproduce (default v3-cpu)
  --fast                   faster, approximate: fewer, larger network passes`;

const BOOL_FLAGS = new Set(['augment', 'no_resample', 'do_3d', 'use_gpu', 'save_png', 'save_tif', 'no_npy', 'save_flows', 'save_txt', 'save_rois', 'verbose', 'fast', 'invert', 'no_norm', 'look_one_level_down', 'all_channels']);
const VALUE_FLAGS = new Set([
  'image_path', 'dir', 'pretrained_model', 'diameter', 'chan', 'chan2', 'channel_axis', 'z_axis', 'flow_threshold', 'cellprob_threshold', 'min_size', 'niter',
  'batch_size', 'tile_overlap', 'stitch_threshold', 'anisotropy', 'savedir', 'gpu', 'dynamics', 'flow3d_smooth', 'img_filter', 'norm_percentile',
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
  // --all_channels: channels=None, the model's first nchan image channels (2.1)
  o.channels = args.flags.has('all_channels') ? null : [chan, chan2];
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
  const dyn = args.values.get('dynamics')?.[0];
  if (dyn !== undefined) {
    if (dyn !== 'v3-cpu' && dyn !== 'v4' && dyn !== 'v3-gpu') throw new Error(`--dynamics must be v3-cpu, v3-gpu or v4, got '${dyn}'`);
    o.dynamics = dyn;
  }
  const pct = args.values.get('norm_percentile');
  o.normalize = {
    normalize: !args.flags.has('no_norm'),
    percentile: pct ? [Number(pct[0]), Number(pct[1])] : [1, 99],
    lowhigh: null,
    norm3D: true,
    invert: args.flags.has('invert'),
    tileNormBlocksize: 0,
  };
  return o;
}

const IMAGE_EXT = new Set(['.tif', '.tiff', '.png', '.jpg', '.jpeg']);
const OUTPUT_SUFFIXES = ['_masks', '_flows', '_cp_masks', '_cp_output', '_seg', '_outlines', '_dp'];

async function listImages(dir: string, filter: string | undefined): Promise<string[]> {
  const names = (await readdir(dir)).sort();
  const out: string[] = [];
  for (const n of names) {
    const ext = extname(n).toLowerCase();
    if (!IMAGE_EXT.has(ext)) continue;
    const stem = n.slice(0, n.length - ext.length);
    if (OUTPUT_SUFFIXES.some((s) => stem.toLowerCase().endsWith(s))) continue;
    if (filter && !stem.endsWith(filter)) continue;
    if ((await stat(join(dir, n))).isFile()) out.push(join(dir, n));
  }
  return out;
}

async function writeAtomic(path: string, bytes: Uint8Array | string): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    await writeFile(tmp, bytes);
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
}

function pickProvider(args: SegmentArgs): ExecutionProvider {
  const named = args.values.get('gpu')?.[0];
  if (named) {
    const valid: ExecutionProvider[] = ['cpu', 'cuda', 'webgpu', 'dml', 'coreml'];
    if (!valid.includes(named as ExecutionProvider)) throw new Error(`--gpu must be one of ${valid.join(', ')}, got '${named}'`);
    return named as ExecutionProvider;
  }
  if (args.flags.has('use_gpu')) {
    const have = availableProviders();
    for (const p of ['cuda', 'dml', 'coreml', 'webgpu'] as const) if (have.includes(p)) return p;
  }
  return 'cpu';
}

async function saveOutputs(file: string, r: SegmentResult, args: SegmentArgs, modelPath: string, opts: Partial<SegmentOptions>): Promise<string[]> {
  const ext = extname(file);
  const stem = basename(file, ext);
  const outDir = args.values.get('savedir')?.[0] ?? dirname(file);
  const [nZ, ly, lx] = r.shape;
  const is3D = nZ > 1;
  const spatial = is3D ? [nZ, ly, lx] : [ly, lx];
  const dtype = r.masks instanceof Uint32Array ? 'uint32' : 'uint16';
  const masks = { data: r.masks, shape: spatial, dtype } as const;
  const written: string[] = [];
  const put = async (name: string, bytes: Uint8Array | string): Promise<void> => {
    const p = join(outDir, name);
    await writeAtomic(p, bytes);
    written.push(p);
  };
  if (!args.flags.has('no_npy')) {
    const npix = nZ * ly * lx;
    const seg = writeSeg(
      {
        masks,
        flows: {
          dP: { data: r.dP, shape: is3D ? [3, nZ, ly, lx] : [2, ly, lx], dtype: 'float32' },
          cellprob: { data: r.cellprob.subarray(0, npix), shape: spatial, dtype: 'float32' },
          rgb: { data: r.flowRgb, shape: [nZ, ly, lx, 3], dtype: 'uint8' },
        },
        diameter: r.diameterUsedPx,
        // Cellpose's CLI stores the image path without its extension
        filename: join(dirname(file), stem),
        modelPath,
        flowThreshold: opts.flowThreshold ?? 0.4,
        cellprobThreshold: opts.cellprobThreshold ?? 0,
        chanChoose: (opts.channels as [number, number] | null) ?? [0, 0],
      },
      'cli',
    );
    await put(`${stem}_seg.npy`, seg);
  }
  if (args.flags.has('save_png')) {
    if (is3D) throw new Error('--save_png writes 2-D masks only; use --save_tif for stacks');
    if (dtype !== 'uint16') throw new Error('--save_png: more than 65535 masks do not fit a 16-bit PNG; use --save_tif');
    await put(`${stem}_cp_masks.png`, encodePng16({ data: r.masks, shape: [ly, lx], dtype: 'uint16' }));
  }
  if (args.flags.has('save_tif')) await put(`${stem}_cp_masks.tif`, encodeTiff(masks));
  if (args.flags.has('save_flows')) await put(`${stem}_flows.tif`, encodeTiff({ data: r.flowRgb, shape: is3D ? [nZ, ly, lx, 3] : [ly, lx, 3], dtype: 'uint8' }, { rgb: true }));
  if ((args.flags.has('save_txt') || args.flags.has('save_rois')) && !is3D) {
    const polys = outlinesList(r.masks, [ly, lx]);
    if (args.flags.has('save_txt')) await put(`${stem}_cp_outlines.txt`, polys.map((p) => Array.from(p).join(',')).join('\n') + (polys.length ? '\n' : ''));
    if (args.flags.has('save_rois')) await put(`${stem}_rois.zip`, encodeRoisZip(polys));
  }
  return written;
}

/** --savedir is created when missing (with its parents), so a script can name a fresh output folder. */
async function ensureSaveDir(savedir: string): Promise<void> {
  const st = await stat(savedir).catch(() => null);
  if (st?.isDirectory()) return;
  if (st) throw new Error(`--savedir ${savedir} exists and is not a folder`);
  try {
    await mkdir(savedir, { recursive: true });
  } catch (e) {
    throw new Error(`--savedir ${savedir} could not be created: ${e instanceof Error ? e.message : String(e)}`);
  }
}

async function run(argv: string[], io: CliIo): Promise<number> {
  const args = parseSegmentArgs(argv);
  const imagePath = args.values.get('image_path')?.[0];
  const dir = args.values.get('dir')?.[0];
  if (!imagePath && !dir) throw new Error('give --image_path FILE or --dir DIR');
  const opts = optionsFromArgs(args);
  const files = imagePath ? [imagePath] : await listImages(dir as string, args.values.get('img_filter')?.[0]);
  if (files.length === 0) throw new Error(`no images found in ${dir}`);
  const savedir = args.values.get('savedir')?.[0];
  if (savedir) await ensureSaveDir(savedir);
  const axes = { zAxis: axis(args, 'z_axis'), channelAxis: axis(args, 'channel_axis') };
  const modelArg = args.values.get('pretrained_model')?.[0] ?? BUNDLED_MODEL_NAME;
  const resolved = await resolveModel(modelArg);
  const verbose = args.flags.has('verbose');
  for (const w of resolved.warnings) io.err(`warning: ${w}`);
  const svc = createInferenceService({ provider: pickProvider(args), intraOpThreads: availableParallelism() });
  let failures = 0;
  try {
    const model = await svc.loadModel(resolved.path, { builtinName: resolved.builtinName });
    for (const w of model.warnings) io.err(`warning: ${w}`);
    if (opts.diameterPx === 0 && !model.hasSizeModel) {
      // Cellpose's CLI: a model without a size model cannot estimate; it uses diam_labels
      io.err(`warning: model ${model.name} has no size model (${resolved.path}_size.npy): cannot estimate the diameter; using diam_labels ${model.diamLabelsPx.toFixed(3)} px for all images, as Cellpose does`);
      opts.diameterPx = model.diamLabelsPx;
    }
    if (verbose) io.err(`model ${model.name}: nbase [${model.nbase.join(',')}], diam_mean ${model.diamMeanPx}, provider ${model.providerUsed}`);
    for (const file of files) {
      const t0 = Date.now();
      try {
        const r = await svc.segment({ path: file, axes: axes.zAxis === undefined && axes.channelAxis === undefined ? undefined : axes }, opts, (p) => io.progress(p.fraction, `${basename(file)}: ${p.stage}`));
        for (const w of r.warnings) io.err(`warning: ${basename(file)}: ${w}`);
        for (const w of r.image?.warnings ?? []) io.err(`warning: ${basename(file)}: ${w}`);
        const written = await saveOutputs(file, r, args, resolved.path, opts);
        let n = 0;
        for (const v of r.masks) if (v > n) n = v;
        const s = (ms: number): string => (ms / 1000).toFixed(2);
        io.out(
          `${basename(file)}: ${n} masks, diameter ${r.diameterUsedPx.toFixed(1)} px, preprocess ${s(r.timings.preprocessMs)} s, network ${s(r.timings.networkMs)} s, ` +
            `dynamics ${s(r.timings.dynamicsMs)} s, total ${s(Date.now() - t0)} s`,
        );
        if (verbose) for (const w of written) io.err(`  wrote ${w}`);
      } catch (e) {
        failures++;
        io.err(`${file}: error: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
  } finally {
    await svc.dispose();
  }
  return failures === 0 ? 0 : 1;
}

export const segmentCommand: CliCommand = {
  name: 'segment',
  summary: 'segment images with a Cellpose 3 model (writes _seg.npy like Cellpose)',
  usage: USAGE,
  run,
};
