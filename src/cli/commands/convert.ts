// `cellpose-studio convert MODEL --out x.onnx`: a Cellpose checkpoint (zoo name, bundled name or
// path) to the ONNX graph the engine runs, built by the engine's own converter.
import { resolve } from 'node:path';
import { loadCellposeModel } from '../../backend/inference/load-model.ts';
import { writeFileAtomic } from '../../backend/io/atomic-write.ts';
import { resolveModel } from '../../backend/models/index.ts';
import type { CliCommand } from '../command.ts';

const USAGE = `usage: cellpose-studio convert MODEL --out FILE.onnx

MODEL is a zoo name (downloaded when missing), cpsd_nuclei_v1 (bundled) or a checkpoint path.
Writes the CPnet as an ONNX graph (input 'input' N x nchan x H x W, H and W multiples of 16;
outputs 'flows_cellprob' and 'style').`;

export const convertCommand: CliCommand = {
  name: 'convert',
  summary: 'convert a Cellpose model to ONNX',
  usage: USAGE,
  async run(argv, io) {
    let model: string | null = null;
    let out: string | null = null;
    for (let i = 0; i < argv.length; i++) {
      const a = argv[i];
      if (a === '--out' || a === '-o') out = argv[++i] ?? null;
      else if (a.startsWith('--out=')) out = a.slice('--out='.length);
      else if (a.startsWith('-')) {
        io.err(`convert: unknown option '${a}'\n${USAGE}`);
        return 2;
      } else if (model === null) model = a;
      else {
        io.err(`convert: more than one model given\n${USAGE}`);
        return 2;
      }
    }
    if (!model || !out) {
      io.err(USAGE);
      return 2;
    }
    const resolved = await resolveModel(model, { sizeModel: false, onProgress: (got, total) => io.progress(total ? got / total : 0, `downloading ${model}`) });
    for (const w of resolved.warnings) io.err(`warning: ${w}`);
    const loaded = await loadCellposeModel(resolved.path, { builtinName: resolved.builtinName, cacheDir: null });
    const dest = resolve(out);
    await writeFileAtomic(dest, loaded.onnxBytes);
    io.out(`wrote ${dest} (${loaded.onnxBytes.length} bytes) from ${resolved.path}`);
    return 0;
  },
};
