// `cellpose-studio models` and `convert` on a temporary models folder ($CELLPOSE_LOCAL_MODELS_PATH).
import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CliIo } from '../../../src/cli/command.ts';
import { convertCommand } from '../../../src/cli/commands/convert.ts';
import { modelsCommand } from '../../../src/cli/commands/models.ts';
import { readTorchStateDict } from '../../../src/core/io/torch-checkpoint.ts';
import { buildCpnetOnnx } from '../../../src/core/model/build-cpnet-onnx.ts';

const FIXTURE = join(__dirname, '..', '..', 'fixtures', 'models', 'tiny_cpnet');

function captureIo(): CliIo & { lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  return { lines, errors, out: (l) => lines.push(l), err: (l) => errors.push(l), progress: () => undefined };
}

describe('models and convert commands', () => {
  let folder: string;
  const saved = { path: process.env.CELLPOSE_LOCAL_MODELS_PATH, url: process.env.CELLPOSE_STUDIO_MODEL_BASE_URL };
  beforeEach(() => {
    folder = mkdtempSync(join(tmpdir(), 'cps-cli-models-'));
    process.env.CELLPOSE_LOCAL_MODELS_PATH = folder;
    process.env.CELLPOSE_STUDIO_MODEL_BASE_URL = 'http://127.0.0.1:9/models';
  });
  afterEach(() => {
    if (saved.path === undefined) delete process.env.CELLPOSE_LOCAL_MODELS_PATH;
    else process.env.CELLPOSE_LOCAL_MODELS_PATH = saved.path;
    if (saved.url === undefined) delete process.env.CELLPOSE_STUDIO_MODEL_BASE_URL;
    else process.env.CELLPOSE_STUDIO_MODEL_BASE_URL = saved.url;
  });

  it('lists zoo models as available, then an added model with the metadata of its file', async () => {
    const io = captureIo();
    expect(await modelsCommand.run([], io)).toBe(0);
    const cyto3 = io.lines.find((l) => l.startsWith('cyto3 '));
    expect(cyto3).toMatch(/zoo\s+available\s+2\s+30\s+-\s+-\s+http:\/\/127\.0\.0\.1:9\/models\/cyto3/);
    expect(io.lines.find((l) => l.startsWith('nuclei '))).toMatch(/\s17\s.*nucleitorch_0$/);

    const add = captureIo();
    expect(await modelsCommand.run(['--add_model', FIXTURE], add)).toBe(0);
    expect(add.lines[0]).toBe(`added tiny_cpnet to ${join(folder, 'tiny_cpnet')} (channels 2, diam_mean 17, diam_labels 19.5)`);

    const json = captureIo();
    expect(await modelsCommand.run(['--json'], json)).toBe(0);
    const list = JSON.parse(json.lines.join('\n')) as Array<{ name: string; kind: string; nChannels: number | null; diamLabels: number | null }>;
    expect(list.find((m) => m.name === 'tiny_cpnet')).toMatchObject({ kind: 'custom', nChannels: 2, diamLabels: 19.5 });
    expect(await modelsCommand.run(['--bogus'], captureIo())).toBe(2);
  });

  it('convert writes the engine graph of a checkpoint, and onnxruntime runs it', async () => {
    const src = join(folder, 'cyto2torch_0');
    copyFileSync(FIXTURE, src);
    const out = join(folder, 'cyto2.onnx');
    const io = captureIo();
    expect(await convertCommand.run(['cyto2', '--out', out], io)).toBe(0);
    expect(io.errors).toEqual([]);
    const bytes = new Uint8Array(readFileSync(out));
    expect(Buffer.from(bytes).equals(Buffer.from(buildCpnetOnnx(readTorchStateDict(new Uint8Array(readFileSync(FIXTURE))).tensors)))).toBe(true);
    const session = await ort.InferenceSession.create(bytes);
    const input = new ort.Tensor('float32', new Float32Array(2 * 32 * 32).fill(0.5), [1, 2, 32, 32]);
    const res = await session.run({ [session.inputNames[0]]: input });
    const dims = session.outputNames.map((n) => res[n].dims.join('x'));
    expect(dims).toEqual(['1x3x32x32', '1x8']);
    expect(await convertCommand.run(['cyto2'], captureIo())).toBe(2);
  });
});
