// `cellpose-studio info <image>`: what Cellpose Studio sees in an image file: shape, dtype, the
// axes it assigned (and why), value range, format and warnings.
import { readImageFile } from '../../backend/io/read-image.ts';
import type { AxisOverride } from '../../core/io/image-types.ts';
import type { CliCommand, CliIo } from '../command.ts';

const USAGE = `usage: cellpose-studio info <image> [--json] [--z_axis N] [--channel_axis N]

Prints the shape, dtype, assigned axes (from metadata, a guess, or your override), value range,
format and warnings of a TIFF, PNG or JPEG image.

  --json             one JSON object instead of text
  --z_axis N         raw axis N is Z ("none" for no Z)
  --channel_axis N   raw axis N is channels ("none" for no channel axis)`;

interface InfoArgs {
  file: string;
  json: boolean;
  axes: AxisOverride;
}

function parseAxis(flag: string, value: string | undefined): number | null {
  if (value === undefined) throw new Error(`${flag} needs a value`);
  if (value === 'none' || value === 'None') return null;
  const n = Number(value);
  if (!Number.isInteger(n)) throw new Error(`${flag} must be an integer axis index or "none", got '${value}'`);
  return n;
}

function parseArgs(argv: string[]): InfoArgs {
  const files: string[] = [];
  let json = false;
  const axes: AxisOverride = {};
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].startsWith('--') && argv[i].includes('=') ? argv[i].split('=', 2) : [argv[i], undefined];
    if (flag === '--json') json = true;
    else if (flag === '--z_axis') axes.zAxis = parseAxis(flag, inline ?? argv[++i]);
    else if (flag === '--channel_axis') axes.channelAxis = parseAxis(flag, inline ?? argv[++i]);
    else if (flag.startsWith('-')) throw new Error(`unknown option '${flag}'`);
    else files.push(flag);
  }
  if (files.length !== 1) throw new Error(files.length === 0 ? 'no image file given' : 'give exactly one image file');
  return { file: files[0], json, axes };
}

async function run(argv: string[], io: CliIo): Promise<number> {
  let args: InfoArgs;
  try {
    args = parseArgs(argv);
  } catch (e) {
    io.err(`cellpose-studio info: ${e instanceof Error ? e.message : String(e)}`);
    io.err(USAGE);
    return 1;
  }
  try {
    const img = await readImageFile(args.file, { axes: args.axes });
    const a = img.assignment;
    if (args.json) {
      io.out(JSON.stringify({
        file: args.file,
        format: img.format,
        dtype: img.dtype,
        rawShape: a.rawShape,
        shapeZYXC: [img.nZ, img.height, img.width, img.nChannels],
        axes: a.axes.join(''),
        axesSource: a.source,
        ambiguous: a.ambiguous,
        description: a.description,
        min: img.minValue,
        max: img.maxValue,
        warnings: img.warnings,
      }));
    } else {
      io.out(`file:      ${args.file}`);
      io.out(`format:    ${img.format.toUpperCase()}`);
      io.out(`dtype:     ${img.dtype}`);
      io.out(`raw shape: [${a.rawShape.join(', ')}]`);
      io.out(`axes:      ${a.axes.join('')} (${a.source}${a.ambiguous ? ', ambiguous' : ''}) -> ${a.description}`);
      io.out(`Z,Y,X,C:   ${img.nZ} x ${img.height} x ${img.width} x ${img.nChannels}`);
      io.out(`range:     ${img.minValue} .. ${img.maxValue}`);
      for (const w of img.warnings) io.out(`warning:   ${w}`);
    }
    return 0;
  } catch (e) {
    io.err(`cellpose-studio info: error: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
}

export const infoCommand: CliCommand = {
  name: 'info',
  summary: 'show shape, dtype, axes, value range and warnings of an image file',
  usage: USAGE,
  run,
};
