// `cellpose-studio export FILE_seg.npy [--png] [--tif] [--txt] [--rois] [--flows] [--savedir D]`:
// write the masks image, ImageJ outlines/ROIs and flow TIFFs of a _seg.npy, named as Cellpose's
// GUI names them (<stem>_cp_masks.png, <stem>_cp_outlines.txt, <stem>_rois.zip, ...).
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { withSource } from '../../core/errors.ts';
import { readSeg } from '../../core/seg/parse-seg.ts';
import { exportSegOutputs, type ExportOptions } from '../../backend/seg/seg-exports.ts';
import { stemOfSeg } from '../../backend/seg/seg-files.ts';
import type { CliCommand, CliIo } from '../command.ts';

const USAGE = `usage: cellpose-studio export FILE_seg.npy [--png] [--tif] [--txt] [--rois] [--flows] [--savedir DIR]

Writes outputs of a Cellpose _seg.npy next to it (or into --savedir):
  --png     <stem>_cp_masks.png (16-bit; TIFF instead for 3-D or more than 65534 masks)
  --tif     <stem>_cp_masks.tif (Deflate)
  --txt     <stem>_cp_outlines.txt (ImageJ text outlines, 2-D)
  --rois    <stem>_rois.zip (ImageJ ROI archive, 2-D)
  --flows   <stem>_cp_cellprob.tif, <stem>_cp_flows_0/1/2.tif, <stem>_cp_flows.tif
  --savedir DIR  folder for the outputs (default: the _seg.npy's folder)`;

const FLAGS: Record<string, keyof ExportOptions> = { '--png': 'png', '--tif': 'tif', '--txt': 'txt', '--rois': 'rois', '--flows': 'flows' };

async function run(argv: string[], io: CliIo): Promise<number> {
  const opts: ExportOptions = {};
  const files: string[] = [];
  let savedir: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a in FLAGS) opts[FLAGS[a]] = true;
    else if (a === '--savedir' || a.startsWith('--savedir=')) {
      savedir = a.includes('=') ? a.slice('--savedir='.length) : argv[++i];
      if (!savedir) {
        io.err('cellpose-studio export: --savedir needs a folder');
        return 1;
      }
    } else if (a.startsWith('-')) {
      io.err(`cellpose-studio export: unknown option '${a}'`);
      io.err(USAGE);
      return 1;
    } else files.push(a);
  }
  if (files.length !== 1 || Object.keys(opts).length === 0) {
    io.err(files.length !== 1 ? 'cellpose-studio export: give exactly one _seg.npy file' : 'cellpose-studio export: choose at least one output (--png, --tif, --txt, --rois, --flows)');
    io.err(USAGE);
    return 1;
  }
  const file = files[0];
  const bytes = new Uint8Array(await readFile(file));
  const seg = withSource(file, () => readSeg(bytes));
  const written = await withSourceAsync(file, () => exportSegOutputs(seg, savedir ?? dirname(file), stemOfSeg(file), opts));
  for (const w of written) io.out(`wrote ${w.path}  (${w.what})`);
  return 0;
}

async function withSourceAsync<T>(source: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    return withSource(source, () => {
      throw e;
    });
  }
}

export const exportCommand: CliCommand = { name: 'export', summary: 'write masks PNG/TIF, ImageJ outlines/ROIs or flow TIFFs of a _seg.npy', usage: USAGE, run };
