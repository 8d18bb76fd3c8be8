// Shared by the image IO tests: run Debian's python3 (numpy, tifffile, Pillow) as an independent
// reader/writer, and compare arrays byte for byte (so NaN == NaN and -0 != 0 are checked too).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NdArray } from '../../../../src/core/array/ndarray.ts';
import { sharedPath } from '../../../helpers/shared-data.ts';

/** Debian's python3 has tifffile and Pillow; a pyenv python3 earlier on PATH may not. */
export const PYTHON = '/usr/bin/python3';
export const DATA = sharedPath('data');
export const FIXTURES = sharedPath('fixtures/cellpose');
export const IMG2D = `${DATA}/stardist-dsb2018-sample-2d/img2d.tif`;

export function py(code: string, ...args: string[]): string {
  return execFileSync(PYTHON, ['-c', code, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `cps-${prefix}-`));
}

export function fileBytes(path: string): Uint8Array {
  const b = readFileSync(path);
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

export function bytesOf(a: NdArray): Uint8Array {
  return new Uint8Array(a.data.buffer, a.data.byteOffset, a.data.byteLength);
}

/** Index of the first differing byte, or -1 when equal. */
export function firstDifference(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}
