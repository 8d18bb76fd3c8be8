// Score a model on the held-out validation images of tools/train/val_split.txt with the
// TypeScript engine (the same pipeline the app runs) and Cellpose's average_precision
// (ALGORITHMS.md 7.4: mean over images of AP at IoU 0.5 / 0.75 / 0.9, labels renumbered first).
//
//   node --import tsx tools/train/score-val.ts [--model PATH] [--diameter labels|gt|size|PX] [--limit N] [--augment]
//     [--cellprob_threshold T] [--flow_threshold T] [--split FILE] [--by-shape]
//
// --diameter labels (default): diameter = the model's diam_labels, i.e. rescale = diam_mean /
//   diam_labels, what Cellpose does when no diameter is given (1.7).
// --diameter gt: each image's true median diameter (an upper bound: a perfect size model).
// --diameter size: diameter 0, i.e. estimated per image by the model's size model (1.9).
// --diameter PX: the same diameter for every image, e.g. 30, the CLI's default (as Cellpose's).
// --cellprob_threshold, --flow_threshold: Cellpose's mask thresholds (defaults 0 and 0.4), to check
//   that the model is calibrated for them.
// --split FILE: score the images FILE lists (lines `dataset/id`, as val_split.txt) instead of the
//   held-out split, e.g. training images to tell underfitting from overfitting (runs/run14/train100.txt).
// --by-shape: also one line per image shape (H x W) within each set, as the image shape stands for
//   the source lab and magnification in DSB2018.
// Besides one line per data set, the fluorescence images from the BBBC039 screen (manifest column
// same_screen_as_bbbc039) are also scored as their own subset, since BBBC039 is a likely test set.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { createInferenceService } from '../../src/backend/inference/inference-service.ts';
import { resolveModel } from '../../src/backend/models/index.ts';
import { decodePng } from '../../src/core/io/png.ts';
import { averagePrecision } from '../../src/core/masks/average-precision.ts';
import { diameters } from '../../src/core/masks/diameters.ts';
import { renumber } from '../../src/core/masks/renumber.ts';

const HERE = fileURLToPath(new URL('.', import.meta.url));
// ../shared beside the repository (tools/train -> repo root -> ..); CELLPOSE_STUDIO_SHARED overrides it
const DATA = join(process.env.CELLPOSE_STUDIO_SHARED ?? join(HERE, '..', '..', '..', 'shared'), 'data');

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

export interface SetScore {
  set: string;
  nImages: number;
  ap50: number;
  ap75: number;
  ap90: number;
  /** AP over all nuclei of the set at once (sum tp / sum (tp + fp + fn)) at IoU 0.5 / 0.75: a
   *  second view that weighs crowded images more; the target is the mean over images above. */
  pooledAp50: number;
  pooledAp75: number;
}

export interface ScoreOptions {
  model?: string;
  /** 'labels': the model's diam_labels (no diameter given); 'gt': each image's true diameter;
   *  'size': estimated by the size model (diameter 0). */
  diameter?: 'labels' | 'gt' | 'size' | number;
  limit?: number;
  /** Cellpose's test-time augmentation (overlapping tiles, flipped and averaged). */
  augment?: boolean;
  /** Mask thresholds; Cellpose's defaults (0, 0.4) when absent. */
  cellprobThreshold?: number;
  flowThreshold?: number;
  log?: (line: string) => void;
  /** The list of images to score (val_split.txt's format); the held-out split when absent. */
  splitFile?: string;
  /** Also score each image shape (H x W) of a set as its own subset. */
  byShape?: boolean;
}

/** One image's scores, per IoU threshold (0.5, 0.75, 0.9), as averagePrecision gives them. */
interface ImageScore {
  ap: number[];
  tp: number[];
  fp: number[];
  fn: number[];
}

/** Suffix of the subset line for the held-out images from the BBBC039 screen. */
export const BBBC039_SUBSET = ' (BBBC039 screen)';

/** Ids of the fluorescence images that the data's manifest marks as likely from the BBBC039 screen. */
async function sameScreenIds(): Promise<Set<string>> {
  const rows = (await readFile(join(DATA, 'dsb2018-stage1-fluorescence', 'manifest.csv'), 'utf8')).split(/\r?\n/);
  const header = rows[0].split(',');
  const idCol = header.indexOf('name');
  const flagCol = header.indexOf('same_screen_as_bbbc039');
  if (idCol < 0 || flagCol < 0) throw new Error('dsb2018-stage1-fluorescence/manifest.csv: no name or same_screen_as_bbbc039 column');
  return new Set(rows.slice(1).map((r) => r.split(',')).filter((c) => c[flagCol] === 'likely').map((c) => c[idCol]));
}

/** Mean AP per held-out set (Cellpose's average_precision, labels renumbered first). */
export async function scoreValidation(opts: ScoreOptions = {}): Promise<SetScore[]> {
  const modelArg = opts.model ?? 'cpsd_nuclei_v1';
  const mode = opts.diameter ?? 'labels';
  const limit = opts.limit ?? 1_000_000;
  const log = opts.log ?? ((): void => undefined);
  const lines = (await readFile(opts.splitFile ?? join(HERE, 'val_split.txt'), 'utf8')).split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'));
  const model = await resolveModel(modelArg, { download: false });
  const svc = createInferenceService({ provider: 'cpu', intraOpThreads: 2, cacheDir: null });
  // per set: each image's AP, tp, fp and fn at IoU 0.5 / 0.75 / 0.9
  const perSet = new Map<string, ImageScore[]>();
  const addScore = (key: string, row: ImageScore): void => {
    const rows = perSet.get(key);
    if (rows) rows.push(row);
    else perSet.set(key, [row]);
  };
  const bbbc039Screen = await sameScreenIds();
  const t0 = Date.now();
  try {
    const summary = await svc.loadModel(model.path, { builtinName: model.builtinName });
    const diamLabels = summary.diamLabelsPx ?? model.diamLabelsPx ?? model.diamMeanPx;
    for (const line of lines.slice(0, limit)) {
      const [set, id] = line.split('/');
      const gtRaw = decodePng(new Uint8Array(await readFile(join(DATA, set, 'masks', `${id}.png`))), 1 << 30).array;
      const gt = Uint32Array.from(gtRaw.data as Uint16Array);
      renumber(gt);
      const diameterPx = typeof mode === 'number' ? mode : mode === 'gt' ? Math.max(5, diameters(gt).diameterPx) : mode === 'size' ? 0 : diamLabels;
      const r = await svc.segment(join(DATA, set, 'images', `${id}.png`), {
        diameterPx,
        channels: [0, 0],
        augment: opts.augment ?? false,
        // absent = Cellpose's defaults (an undefined value would override them)
        ...(opts.cellprobThreshold === undefined ? {} : { cellprobThreshold: opts.cellprobThreshold }),
        ...(opts.flowThreshold === undefined ? {} : { flowThreshold: opts.flowThreshold }),
      });
      const pred = Uint32Array.from(r.masks);
      renumber(pred);
      const res = averagePrecision([gt], [pred]);
      const row: ImageScore = { ap: res.ap[0], tp: res.tp[0], fp: res.fp[0], fn: res.fn[0] };
      const ap = row.ap;
      addScore(set, row);
      if (bbbc039Screen.has(id)) addScore(`${set}${BBBC039_SUBSET}`, row);
      if (opts.byShape) addScore(`${set} (${gtRaw.shape[0]} x ${gtRaw.shape[1]})`, row);
      log(`${set.replace('dsb2018-stage1-', '')}/${id.slice(0, 8)} d=${r.diameterUsedPx.toFixed(1)} AP50 ${ap[0].toFixed(3)} AP75 ${ap[1].toFixed(3)} AP90 ${ap[2].toFixed(3)}`);
    }
  } finally {
    await svc.dispose();
  }
  const mean = (rows: ImageScore[], k: number): number => rows.reduce((s, r) => s + (Number.isNaN(r.ap[k]) ? 0 : r.ap[k]), 0) / rows.length;
  const thresholds = `cellprob_threshold ${opts.cellprobThreshold ?? 0}, flow_threshold ${opts.flowThreshold ?? 0.4}`;
  log(`model ${model.path}, diameter ${mode}${opts.augment ? ', augment' : ''}, ${thresholds}, elapsed ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  const sum = (rows: ImageScore[], pick: (r: ImageScore) => number): number => rows.reduce((s, r) => s + pick(r), 0);
  const pooled = (rows: ImageScore[], k: number): number => {
    const tp = sum(rows, (r) => r.tp[k]);
    return tp / (tp + sum(rows, (r) => r.fp[k]) + sum(rows, (r) => r.fn[k]));
  };
  return [...perSet].map(([set, rows]) => ({
    set,
    nImages: rows.length,
    ap50: mean(rows, 0),
    ap75: mean(rows, 1),
    ap90: mean(rows, 2),
    pooledAp50: pooled(rows, 0),
    pooledAp75: pooled(rows, 1),
  }));
}

/** A finite number option, or undefined when the flag is absent. */
function numberArg(name: string): number | undefined {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return undefined;
  const v = Number(process.argv[i + 1]);
  if (!Number.isFinite(v)) throw new Error(`--${name} ${process.argv[i + 1] ?? ''}: expected a number`);
  return v;
}

/** --split FILE, or undefined when the flag is absent. */
function splitArg(): string | undefined {
  if (!process.argv.includes('--split')) return undefined;
  const file = arg('split', '');
  if (file === '') throw new Error('--split: expected a file listing dataset/id lines');
  return file;
}

/** --diameter: labels, gt, size, or a diameter in pixels > 0. */
function parseDiameterArg(value: string): NonNullable<ScoreOptions['diameter']> {
  if (value === 'labels' || value === 'gt' || value === 'size') return value;
  const px = Number(value);
  if (!(Number.isFinite(px) && px > 0)) throw new Error(`--diameter ${value}: expected labels, gt, size or a diameter in pixels > 0`);
  return px;
}

async function main(): Promise<void> {
  const scores = await scoreValidation({
    model: arg('model', 'cpsd_nuclei_v1'),
    diameter: parseDiameterArg(arg('diameter', 'labels')),
    limit: Number(arg('limit', '1000000')),
    augment: process.argv.includes('--augment'),
    cellprobThreshold: numberArg('cellprob_threshold'),
    flowThreshold: numberArg('flow_threshold'),
    splitFile: splitArg(),
    byShape: process.argv.includes('--by-shape'),
    log: (line) => process.stdout.write(line + '\n'),
  });
  for (const s of scores) {
    process.stdout.write(
      `${s.set}: n=${s.nImages} AP50 ${s.ap50.toFixed(3)} AP75 ${s.ap75.toFixed(3)} AP90 ${s.ap90.toFixed(3)}` +
        ` (pooled over nuclei: AP50 ${s.pooledAp50.toFixed(3)} AP75 ${s.pooledAp75.toFixed(3)})\n`,
    );
  }
}

if (process.argv[1] !== undefined && process.argv[1].endsWith('score-val.ts')) {
  main().catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
    process.exitCode = 1;
  });
}
