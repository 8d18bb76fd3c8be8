// The model zoo against a real HTTP server on 127.0.0.1 serving a real Cellpose-format checkpoint
// (test/fixtures/models/tiny_cpnet, made with torch.save by make_tiny_cpnet.py).
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readTorchStateDict } from '../../../src/core/io/torch-checkpoint.ts';
import { buildCpnetOnnx } from '../../../src/core/model/build-cpnet-onnx.ts';
import { downloadFile, ModelDownloadError } from '../../../src/backend/models/download-file.ts';
import { ModelZoo, BUNDLED_MODEL_NAME } from '../../../src/backend/models/model-registry.ts';
import { readGuiModels } from '../../../src/backend/models/models-folder.ts';
import { zooBasename, zooDiamMeanPx, zooSizeModelBasename, zooUrl } from '../../../src/backend/models/zoo-catalogue.ts';
import { closedPortUrl, startModelServer, type TestModelServer } from './model-server.ts';

const FIXTURE = join(__dirname, '..', '..', 'fixtures', 'models', 'tiny_cpnet');
const TINY = new Uint8Array(readFileSync(FIXTURE));
const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const FAST = { retries: 2, backoffMs: 10, idleTimeoutMs: 2000 };

function tmp(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

async function rejection(p: Promise<unknown>): Promise<ModelDownloadError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ModelDownloadError) return e;
    throw e;
  }
  throw new Error('expected a rejection');
}

describe('zoo catalogue', () => {
  it('maps names to Cellpose 3 file names, size models and diam_mean', () => {
    expect(zooBasename('cyto')).toBe('cytotorch_0');
    expect(zooBasename('cyto2')).toBe('cyto2torch_0');
    expect(zooBasename('nuclei')).toBe('nucleitorch_0');
    expect(zooBasename('cyto3')).toBe('cyto3');
    expect(zooBasename('tissuenet_cp3')).toBe('tissuenet_cp3');
    expect(zooSizeModelBasename('cyto3')).toBe('size_cyto3.npy');
    expect(zooSizeModelBasename('nuclei')).toBe('size_nucleitorch_0.npy');
    expect(zooSizeModelBasename('livecell_cp3')).toBeNull();
    expect(zooDiamMeanPx('nuclei')).toBe(17);
    expect(zooDiamMeanPx('/x/nucleitorch_0')).toBe(17);
    expect(zooDiamMeanPx('cyto3')).toBe(30);
    expect(zooUrl('https://www.cellpose.org/models/', 'cyto3')).toBe('https://www.cellpose.org/models/cyto3');
  });
});

describe('downloads from a real local HTTP server', () => {
  let server: TestModelServer;
  let folder: string;
  let zoo: ModelZoo;
  beforeEach(async () => {
    server = await startModelServer();
    folder = tmp('cps-models-');
    zoo = new ModelZoo({ modelsFolder: folder, baseUrl: server.baseUrl, env: {}, download: FAST });
  });
  afterEach(async () => {
    await server.close();
  });

  it('downloads a missing zoo model, reports progress, and applies the built-in diam_mean rule', async () => {
    server.files.set('/models/cyto3', { bytes: TINY, chunks: 4 });
    const seen: Array<[number, number | null]> = [];
    const r = await zoo.resolveModel('cyto3', { onProgress: (got, total) => seen.push([got, total]) });
    expect(r.path).toBe(join(folder, 'cyto3'));
    expect(sha(new Uint8Array(readFileSync(r.path)))).toBe(sha(TINY));
    expect(seen.at(-1)).toEqual([TINY.length, TINY.length]);
    for (let i = 1; i < seen.length; i++) expect(seen[i][0]).toBeGreaterThan(seen[i - 1][0]);
    // The file says 17, but Cellpose fixes diam_mean of built-in names: 30 for cyto3.
    expect(r.diamMeanPx).toBe(30);
    expect(r.diamLabelsPx).toBe(19.5);
    expect(r.nChannels).toBe(2);
    // No size_cyto3.npy on this server: a warning, not a failure.
    expect(r.sizeModelPath).toBeUndefined();
    expect(r.warnings.join(' ')).toMatch(/size model not available.*size_cyto3\.npy/);
    expect(readdirSync(folder).sort()).toEqual(['cyto3']);
  });

  it('fetches nuclei as nucleitorch_0 with its size model, diam_mean 17', async () => {
    server.files.set('/models/nucleitorch_0', { bytes: TINY });
    server.files.set('/models/size_nucleitorch_0.npy', { bytes: new Uint8Array([1, 2, 3]) });
    const r = await zoo.resolveModel('nuclei');
    expect(r.path).toBe(join(folder, 'nucleitorch_0'));
    expect(r.sizeModelPath).toBe(join(folder, 'size_nucleitorch_0.npy'));
    expect(r.diamMeanPx).toBe(17);
    const listed = (await zoo.listModels()).find((m) => m.name === 'nuclei');
    expect(listed).toMatchObject({ installed: true, hasSizeModel: true, nChannels: 2, diamMean: 17, diamLabels: 19.5 });
  });

  it('resumes with a Range request after the connection is cut mid-body', async () => {
    server.files.set('/models/cyto3', { bytes: TINY, cutAfterBytes: 60_000, cutTimes: 1 });
    const r = await zoo.resolveModel('cyto3');
    expect(sha(new Uint8Array(readFileSync(r.path)))).toBe(sha(TINY));
    expect(server.requests.get('/models/cyto3')).toBe(2);
    expect(server.ranges.get('/models/cyto3')).toEqual(['', 'bytes=60000-']);
  });

  it('deletes a download whose sha256 does not match', async () => {
    server.files.set('/models/cyto3', { bytes: TINY });
    const e = await rejection(zoo.resolveModel('cyto3', { sha256: '0'.repeat(64) }));
    expect(e.failure).toBe('corrupt');
    expect(e.message).toContain('sha256');
    expect(readdirSync(folder)).toEqual([]);
  });

  it('rejects a size that differs from the expected one and leaves nothing', async () => {
    server.files.set('/models/cyto3', { bytes: TINY });
    const dest = join(folder, 'cyto3');
    const e = await rejection(downloadFile(`${server.baseUrl}/cyto3`, dest, { ...FAST, expectedBytes: TINY.length + 1 }));
    expect(e.failure).toBe('corrupt');
    expect(e.message).toContain(`declared ${TINY.length} bytes, expected ${TINY.length + 1}`);
    expect(readdirSync(folder)).toEqual([]);
  });

  it('never renames a body shorter than its Content-Length to the final name', async () => {
    server.files.set('/models/cyto3', { bytes: TINY.subarray(0, 1000), declaredLength: 5000 });
    const e = await rejection(zoo.resolveModel('cyto3'));
    expect(e.failure).toBe('network');
    expect(e.message).toMatch(/after 3 attempts.*1000 of 5000 bytes/);
    expect(existsSync(join(folder, 'cyto3'))).toBe(false);
  });

  it('deletes a 200 answer that is not a Cellpose checkpoint', async () => {
    server.files.set('/models/cyto3', { bytes: new TextEncoder().encode('<html>maintenance</html>') });
    const e = await rejection(zoo.resolveModel('cyto3'));
    expect(e.failure).toBe('corrupt');
    expect(e.message).toMatch(/not a usable Cellpose model.*download was deleted/);
    expect(existsSync(join(folder, 'cyto3'))).toBe(false);
  });

  it('names the URL and the folder when the server has no such model (404)', async () => {
    const e = await rejection(zoo.resolveModel('livecell_cp3'));
    expect(e.failure).toBe('not-found');
    expect(e.message).toContain(`${server.baseUrl}/livecell_cp3`);
    expect(e.message).toContain(folder);
    expect(server.requests.get('/models/livecell_cp3')).toBe(1);
  });

  it('shares one download between two concurrent requests for the same model', async () => {
    server.files.set('/models/cyto2torch_0', { bytes: TINY, delayMs: 150 });
    const [a, b] = await Promise.all([zoo.resolveModel('cyto2'), zoo.resolveModel('cyto2')]);
    expect(a.path).toBe(b.path);
    expect(server.requests.get('/models/cyto2torch_0')).toBe(1);
    expect(sha(new Uint8Array(readFileSync(a.path)))).toBe(sha(TINY));
  });

  it('cancelling leaves neither the model nor a partial file', async () => {
    server.files.set('/models/cyto3', { bytes: TINY, chunks: 40 });
    const ac = new AbortController();
    const e = await rejection(zoo.resolveModel('cyto3', { signal: ac.signal, onProgress: () => ac.abort() }));
    expect(e.failure).toBe('cancelled');
    await new Promise((r) => setTimeout(r, 50));
    expect(readdirSync(folder)).toEqual([]);
  });
});

describe('offline and folders', () => {
  it('connection refused: a clear message naming the URL and where to put the file', async () => {
    const folder = tmp('cps-models-');
    const baseUrl = await closedPortUrl();
    const zoo = new ModelZoo({ modelsFolder: folder, baseUrl, env: {}, download: FAST });
    const e = await rejection(zoo.resolveModel('cyto3'));
    expect(e.failure).toBe('network');
    expect(e.message).toContain(`${baseUrl}/cyto3`);
    expect(e.message).toContain(`save it as ${join(folder, 'cyto3')}`);
    expect(e.message).toMatch(/ECONNREFUSED/);
    expect(existsSync(join(folder, 'cyto3'))).toBe(false);
  });

  it('uses $CELLPOSE_LOCAL_MODELS_PATH, finding models Cellpose already downloaded there', async () => {
    const folder = tmp('cps-env-');
    copyFileSync(FIXTURE, join(folder, 'cyto2torch_0'));
    const zoo = new ModelZoo({ env: { CELLPOSE_LOCAL_MODELS_PATH: folder, CELLPOSE_STUDIO_MODEL_BASE_URL: 'http://127.0.0.1:9/m' } });
    expect(zoo.modelsFolder).toBe(folder);
    const list = await zoo.listModels();
    expect(list.find((m) => m.name === 'cyto2')).toMatchObject({ kind: 'zoo', installed: true, path: join(folder, 'cyto2torch_0'), nChannels: 2, diamMean: 30, diamLabels: 19.5 });
    expect(list.find((m) => m.name === 'cyto3')).toMatchObject({ installed: false, url: 'http://127.0.0.1:9/m/cyto3' });
    const r = await zoo.resolveModel('cyto2', { download: false });
    expect(r.path).toBe(join(folder, 'cyto2torch_0'));
    await expect(zoo.resolveModel('cyto3', { download: false })).rejects.toThrow(/not installed; download http:\/\/127\.0\.0\.1:9\/m\/cyto3/);
  });

  it('imports a custom torch model: copied, listed in gui_models.txt, metadata read from the file', async () => {
    const folder = tmp('cps-models-');
    const srcDir = tmp('cps-src-');
    const src = join(srcDir, 'my_nuclei.pth');
    copyFileSync(FIXTURE, src);
    const zoo = new ModelZoo({ modelsFolder: folder, env: {} });
    const info = await zoo.importModel(src);
    expect(info).toMatchObject({ name: 'my_nuclei.pth', kind: 'custom', installed: true, nChannels: 2, nOut: 3, diamMean: 17, diamLabels: 19.5, hasSizeModel: false });
    expect(await readGuiModels(folder)).toEqual(['my_nuclei.pth']);
    await zoo.importModel(src); // importing twice lists it once
    expect(readFileSync(join(folder, 'gui_models.txt'), 'utf8')).toBe('my_nuclei.pth\n');
    const listed = (await zoo.listModels()).filter((m) => m.kind === 'custom');
    expect(listed.map((m) => m.name)).toEqual(['my_nuclei.pth']);
    const r = await zoo.resolveModel('my_nuclei.pth');
    expect(r).toMatchObject({ kind: 'custom', path: join(folder, 'my_nuclei.pth'), diamMeanPx: 17, diamLabelsPx: 19.5 });
  });

  it('imports an .onnx model and refuses files that are not models, or reserved names', async () => {
    const folder = tmp('cps-models-');
    const srcDir = tmp('cps-src-');
    const onnx = join(srcDir, 'tiny.onnx');
    writeFileSync(onnx, buildCpnetOnnx(readTorchStateDict(TINY).tensors));
    const zoo = new ModelZoo({ modelsFolder: folder, env: {} });
    expect(await zoo.importModel(onnx)).toMatchObject({ name: 'tiny.onnx', kind: 'custom', installed: true, description: 'user model (ONNX)' });
    const junk = join(srcDir, 'notes.pth');
    writeFileSync(junk, 'hello');
    await expect(zoo.importModel(junk)).rejects.toThrow(`${junk}: not a usable Cellpose model`);
    const truncated = join(srcDir, 'truncated.pth');
    writeFileSync(truncated, TINY.subarray(0, TINY.length >> 1));
    await expect(zoo.importModel(truncated)).rejects.toThrow(`${truncated}: not a usable Cellpose model`);
    const reserved = join(srcDir, 'cyto3');
    copyFileSync(FIXTURE, reserved);
    await expect(zoo.importModel(reserved)).rejects.toThrow(/reserved for a built-in model/);
    expect(await readGuiModels(folder)).toEqual(['tiny.onnx']);
  });

  it('unknown names get an error listing what exists', async () => {
    const zoo = new ModelZoo({ modelsFolder: tmp('cps-models-'), env: {} });
    await expect(zoo.resolveModel('cyto9')).rejects.toThrow(new RegExp(`unknown model 'cyto9'.*${BUNDLED_MODEL_NAME}, cyto3, nuclei`));
  });
});
