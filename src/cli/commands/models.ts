// `cellpose-studio models`: what is installed (bundled, zoo downloads, user models) and which zoo
// models can be downloaded; `--add_model PATH` imports a user model as Cellpose's CLI flag does.
import { listModels, importModel, type ModelInfo } from '../../backend/models/index.ts';
import type { CliCommand } from '../command.ts';

const USAGE = `usage: cellpose-studio models [--add_model PATH] [--json]

Lists the bundled model, the Cellpose zoo (installed or downloadable) and user models.
Models folder: $CELLPOSE_LOCAL_MODELS_PATH, else ~/.cellpose/models (shared with Cellpose).
Download base URL: $CELLPOSE_STUDIO_MODEL_BASE_URL, else https://www.cellpose.org/models.

  --add_model PATH   copy a model (.pth, extensionless torch file, or .onnx) into the models
                     folder and add it to gui_models.txt
  --json             print the list as JSON`;

function fmt(v: number | null, digits = 1): string {
  return v === null ? '-' : Number.isInteger(v) ? String(v) : v.toFixed(digits);
}

function row(m: ModelInfo): string {
  const status = m.problem && m.installed ? 'unreadable' : m.installed ? 'installed' : m.kind === 'zoo' ? 'available' : 'missing';
  const size = m.hasSizeModel ? 'yes' : '-';
  return `${m.name.padEnd(26)} ${m.kind.padEnd(8)} ${status.padEnd(10)} ${fmt(m.nChannels).padStart(5)} ${fmt(m.diamMean).padStart(9)} ${fmt(m.diamLabels).padStart(11)} ${size.padStart(5)}  ${m.path ?? m.url ?? ''}`;
}

export const modelsCommand: CliCommand = {
  name: 'models',
  summary: 'list installed and downloadable models; --add_model PATH imports one',
  usage: USAGE,
  async run(argv, io) {
    let addPath: string | null = null;
    let json = false;
    for (let i = 0; i < argv.length; i++) {
      const a = argv[i].replace(/^--add-model$/, '--add_model');
      if (a === '--add_model') {
        addPath = argv[++i] ?? null;
        if (!addPath) {
          io.err('models: --add_model needs a file path');
          return 2;
        }
      } else if (a.startsWith('--add_model=')) {
        addPath = a.slice('--add_model='.length);
      } else if (a === '--json') {
        json = true;
      } else {
        io.err(`models: unknown option '${argv[i]}'\n${USAGE}`);
        return 2;
      }
    }
    if (addPath !== null) {
      const info = await importModel(addPath);
      io.out(`added ${info.name} to ${info.path ?? ''} (channels ${fmt(info.nChannels)}, diam_mean ${fmt(info.diamMean)}, diam_labels ${fmt(info.diamLabels)})`);
      return 0;
    }
    const list = await listModels();
    if (json) {
      io.out(JSON.stringify(list, null, 1));
      return 0;
    }
    io.out(`${'name'.padEnd(26)} ${'kind'.padEnd(8)} ${'status'.padEnd(10)} ${'chan'.padStart(5)} ${'diam_mean'.padStart(9)} ${'diam_labels'.padStart(11)} ${'size'.padStart(5)}  path / url`);
    for (const m of list) io.out(row(m));
    for (const m of list) if (m.problem && m.installed) io.err(`warning: ${m.problem}`);
    return 0;
  },
};
