// The converted graph is cached beside a model in a writable folder, and in the per-user cache when
// the model sits in a read-only folder (a dataset share, the packaged app's resources).
import { describe, expect, it } from 'vitest';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultOnnxCacheDir } from '../../../src/backend/inference/load-model.ts';

describe('defaultOnnxCacheDir', () => {
  it('keeps the cache beside a model in a writable folder', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cps-onnx-'));
    writeFileSync(join(dir, 'm'), 'x');
    expect(defaultOnnxCacheDir(join(dir, 'm'))).toBe(dir);
  });

  it('uses <studio home>/onnx-cache for a model in a folder without write bits, even as root', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cps-onnx-ro-'));
    writeFileSync(join(dir, 'm'), 'x');
    chmodSync(dir, 0o555);
    const home = mkdtempSync(join(tmpdir(), 'cps-home-'));
    const before = process.env.CELLPOSE_STUDIO_HOME;
    process.env.CELLPOSE_STUDIO_HOME = home;
    try {
      expect(defaultOnnxCacheDir(join(dir, 'm'))).toBe(join(home, 'onnx-cache'));
    } finally {
      if (before === undefined) delete process.env.CELLPOSE_STUDIO_HOME;
      else process.env.CELLPOSE_STUDIO_HOME = before;
      chmodSync(dir, 0o755);
    }
  });
});
