// --pretrained_model_ortho (Cellpose 3.1's net_ortho): a second checkpoint runs the ZY and ZX views
// of do_3D. dZ comes only from those two views (ALGORITHMS 6.1), so a run whose ortho model is B
// must give exactly the dZ of a run that uses B for everything, while its dY and dX also carry the
// main model's YX view. Checked on the real 3-D fixture stack with two real checkpoints (the
// 19-minute Cellpose fixture and the bundled model, which have the same network size); the whole
// pipeline against the real Cellpose is in tools/cellpose-parity (cases ortho*).
import { copyFileSync, existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { segmentCommand } from '../../../src/cli/commands/segment.ts';
import { captureCliIo } from '../../helpers/cli-io.ts';
import { FIXTURES, REAL_MODEL, segArray } from './cellpose-fixture.ts';

const BUNDLED = join(import.meta.dirname, '..', '..', '..', 'resources', 'models', 'cpsd_nuclei_v1');

async function flows3D(main: string, ortho: string | null, extra: string[] = []): Promise<{ dP: Float32Array; err: string; out: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'segment-ortho-'));
  copyFileSync(`${FIXTURES}/cli3d/stack3d.tif`, join(dir, 'stack3d.tif'));
  const c = captureCliIo();
  const args = ['--image_path', join(dir, 'stack3d.tif'), '--pretrained_model', main, '--diameter', '24', '--do_3D', '--verbose', ...extra];
  if (ortho !== null) args.push('--pretrained_model_ortho', ortho);
  expect(await segmentCommand.run(args, c.io)).toBe(0);
  // flows[4]: (4, Z, Y, X) float32 = dZ, dY, dX, cellprob
  return { dP: segArray(join(dir, 'stack3d_seg.npy'), "d['flows'][4]").data, err: c.err.join('\n'), out: c.out.join('\n') };
}

describe('--pretrained_model_ortho', () => {
  it('runs the ZY and ZX views with the second model: dZ equals that model\'s own, dY and dX mix both', async () => {
    const mainOnly = await flows3D(REAL_MODEL, null);
    const orthoOnly = await flows3D(BUNDLED, null);
    const mixed = await flows3D(REAL_MODEL, BUNDLED);
    expect(mixed.err).toMatch(/ZY\/ZX views: cpsd_nuclei_v1/);
    const n = mixed.dP.length / 4;
    const part = (a: Float32Array, k: number): Float32Array => a.subarray(k * n, (k + 1) * n);
    expect(Array.from(part(mixed.dP, 0))).toEqual(Array.from(part(orthoOnly.dP, 0)));
    const maxDiff = (a: Float32Array, b: Float32Array): number => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
    expect(maxDiff(part(mixed.dP, 0), part(mainOnly.dP, 0))).toBeGreaterThan(0.05);
    for (const k of [1, 2, 3]) {
      expect(maxDiff(part(mixed.dP, k), part(mainOnly.dP, k))).toBeGreaterThan(0.01);
      expect(maxDiff(part(mixed.dP, k), part(orthoOnly.dP, k))).toBeGreaterThan(0.01);
    }
    // the same checkpoint as ortho model: the plain run's flows, bit for bit
    const self = await flows3D(REAL_MODEL, REAL_MODEL);
    expect(Array.from(self.dP)).toEqual(Array.from(mainOnly.dP));
  }, 120_000);

  it('a name that is no model is dropped with a warning, as Cellpose drops it; a model of another network size is refused', async () => {
    const missing = await flows3D(REAL_MODEL, 'no_such_model_anywhere');
    expect(missing.err).toMatch(/--pretrained_model_ortho no_such_model_anywhere is not a model name or file: the ZY and ZX views use --pretrained_model/);
    const dir = mkdtempSync(join(tmpdir(), 'segment-ortho-bad-'));
    copyFileSync(`${FIXTURES}/cli3d/stack3d.tif`, join(dir, 'stack3d.tif'));
    const c = captureCliIo();
    // a file that is no checkpoint, and a checkpoint with narrower layers (nbase [2, 4, 8, 8, 8])
    const run = (ortho: string): Promise<number> =>
      segmentCommand.run(['--image_path', join(dir, 'stack3d.tif'), '--pretrained_model', REAL_MODEL, '--do_3D', '--pretrained_model_ortho', ortho], c.io);
    await expect(run(join(dir, 'stack3d.tif'))).rejects.toThrow(/stack3d\.tif: not a usable Cellpose model/);
    // (a copy: its converted graph is cached beside it)
    const tiny = join(dir, 'tiny_cpnet');
    copyFileSync(join(import.meta.dirname, '..', '..', 'fixtures', 'models', 'tiny_cpnet'), tiny);
    await expect(run(tiny)).rejects.toThrow(
      /--pretrained_model_ortho tiny_cpnet: its network \(nbase \[2, 4, 8, 8, 8\], nout 3\) differs from the model's \(nbase \[2, 32, 64, 128, 256\], nout 3\); Cellpose 3.1 cannot load it/,
    );
    expect(existsSync(join(dir, 'stack3d_seg.npy'))).toBe(false);
  }, 120_000);
});
