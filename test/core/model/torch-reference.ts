// Test helpers that run tools/reference/cpnet_reference.py (PyTorch) to produce ground truth.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NdArray } from '../../../src/core/array/ndarray.ts';

export const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
export const REFERENCE_SCRIPT = new URL('../../../tools/reference/cpnet_reference.py', import.meta.url).pathname;

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'cpnet-ref-'));
}

/** Load a checkpoint's tensors through torch (independent of our own checkpoint reader). */
export function loadWeightsViaTorch(checkpointPath: string): Map<string, NdArray> {
  const out = join(tempDir(), 'weights.bin');
  execFileSync(PYTHON, [REFERENCE_SCRIPT, 'dumpbin', checkpointPath, out]);
  const buf = readFileSync(out);
  const hlen = buf.readUInt32LE(0);
  const header = JSON.parse(buf.subarray(4, 4 + hlen).toString('utf8')) as { key: string; shape: number[]; offset: number }[];
  const base = 4 + hlen;
  const map = new Map<string, NdArray>();
  for (const h of header) {
    const n = h.shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    const src = buf.subarray(base + h.offset, base + h.offset + 4 * n);
    new Uint8Array(data.buffer).set(src);
    map.set(h.key, { data, shape: h.shape, dtype: 'float32' });
  }
  return map;
}

/** Write a float32 .npy (v1.0, little endian, C order). */
export function writeNpyF32(path: string, data: Float32Array, shape: number[]): void {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const h = Buffer.alloc(10);
  h.write('\x93NUMPY', 0, 'latin1');
  h[6] = 1;
  h[7] = 0;
  h.writeUInt16LE(header.length, 8);
  writeFileSync(path, Buffer.concat([h, Buffer.from(header, 'latin1'), Buffer.from(data.buffer, data.byteOffset, data.byteLength)]));
}

/** Read a float32 .npy written by numpy (v1.0 header, '<f4', C order). */
export function readNpyF32(path: string): { data: Float32Array; shape: number[] } {
  const buf = readFileSync(path);
  const hlen = buf.readUInt16LE(8);
  const header = buf.subarray(10, 10 + hlen).toString('latin1');
  if (!header.includes("'<f4'")) throw new Error(`expected float32 npy: ${header}`);
  const m = /'shape': \(([^)]*)\)/.exec(header);
  const shape = m ? m[1].split(',').map((s) => s.trim()).filter((s) => s.length > 0).map(Number) : [];
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  new Uint8Array(data.buffer).set(buf.subarray(10 + hlen, 10 + hlen + 4 * n));
  return { data, shape };
}

/** Run the torch CPnet on x (N, nchan, H, W). */
export function runTorchCpnet(checkpointPath: string, x: Float32Array, shape: [number, number, number, number]): { y: Float32Array; style: Float32Array } {
  const dir = tempDir();
  writeNpyF32(join(dir, 'x.npy'), x, shape);
  execFileSync(PYTHON, [REFERENCE_SCRIPT, 'run', checkpointPath, join(dir, 'x.npy'), join(dir, 'out')]);
  return { y: readNpyF32(join(dir, 'out_y.npy')).data, style: readNpyF32(join(dir, 'out_style.npy')).data };
}

export function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} != ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** max |a−b| / max(1, |b|): float32 agreement that stays meaningful for the real model's
 *  background cellprob logits of order −2000, where one float32 ulp is already 1.2e-4. */
export function maxScaledDiff(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} != ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i])));
  return m;
}
