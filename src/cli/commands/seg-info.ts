// `cellpose-studio seg-info FILE_seg.npy`: what a _seg.npy holds: the writer layout, mask count,
// every key with its type/dtype/shape, and what the loader had to adjust.
import { readFile } from 'node:fs/promises';
import { withSource } from '../../core/errors.ts';
import { npyItem, readNpy } from '../../core/io/npy.ts';
import { describeValue, isNdArray, PyDict, type PyValue } from '../../core/io/pickle/values.ts';
import { parseSeg } from '../../core/seg/parse-seg.ts';
import { resolveSegImage } from '../../backend/seg/seg-files.ts';
import type { CliCommand, CliIo } from '../command.ts';

const USAGE = `usage: cellpose-studio seg-info FILE_seg.npy [--json]

Prints the layout (cli, gui3, gui4, legacy2, unknown), the number of masks, the image it belongs
to, and the type, dtype and shape of every key of a Cellpose _seg.npy.

  --json   one JSON object instead of text`;

function describeDeep(v: PyValue): string {
  if (Array.isArray(v) && v.length <= 8 && v.some((x) => isNdArray(x) || Array.isArray(x))) return `list [${v.map(describeDeep).join(', ')}]`;
  return describeValue(v);
}

async function run(argv: string[], io: CliIo): Promise<number> {
  const files = argv.filter((a) => !a.startsWith('-'));
  const unknown = argv.filter((a) => a.startsWith('-') && a !== '--json');
  if (files.length !== 1 || unknown.length > 0) {
    io.err(unknown.length ? `cellpose-studio seg-info: unknown option '${unknown[0]}'` : 'cellpose-studio seg-info: give exactly one _seg.npy file');
    io.err(USAGE);
    return 1;
  }
  const file = files[0];
  const bytes = new Uint8Array(await readFile(file));
  const dict = withSource(file, () => npyItem(readNpy(bytes)));
  const seg = withSource(file, () => parseSeg(dict));
  const image = await resolveSegImage(file, seg);
  const keys = dict instanceof PyDict ? [...dict.keys()].map(String) : [];
  const described = dict instanceof PyDict ? [...dict.entries()].map(([k, v]) => [String(k), describeDeep(v)] as const) : [];
  const flows = Object.entries(seg.flows).map(([k, a]) => `${k} ${a.dtype} (${a.shape.join(', ')})`);
  if (argv.includes('--json')) {
    io.out(JSON.stringify({ file, layout: seg.layout, masks: seg.nMasks, is3D: seg.is3D, shape: seg.masks.shape, image, keys, values: Object.fromEntries(described), flows, notes: seg.notes }));
    return 0;
  }
  io.out(`file:    ${file}`);
  io.out(`layout:  ${seg.layout}`);
  io.out(`masks:   ${seg.nMasks} (${seg.is3D ? '3-D' : '2-D'}, ${seg.masks.dtype} ${seg.masks.shape.join(' x ')})`);
  io.out(`image:   ${image ?? (seg.img ? 'embedded img array' : 'not found')}`);
  io.out(`flows:   ${flows.length ? flows.join('; ') : 'none'}`);
  io.out(`keys:    ${keys.join(', ')}`);
  for (const [k, d] of described) io.out(`  ${k.padEnd(20)} ${d}`);
  for (const n of seg.notes) io.out(`note:    ${n}`);
  return 0;
}

export const segInfoCommand: CliCommand = { name: 'seg-info', summary: 'describe a Cellpose _seg.npy file', usage: USAGE, run };
