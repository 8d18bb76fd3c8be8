// The training tool's own checks (tools/train/check_tools.py), on real training images: the tiles
// that --device-augment warps with grid_sample equal the scipy path's inside the source image,
// from the same seeded stream; and train_size.py --resave makes a size model written by numpy 2
// (a file from the GPU machine) loadable by numpy 1.x with the same values; average_weights.py
// averages snapshots exactly and its precise BN re-measures only the BatchNorm statistics.
import { execFileSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PY_NUMPY1 } from '../core/io/pickle/python';
import { SHARED_DIR } from '../helpers/shared-data';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

describe('training tools (tools/train)', () => {
  it('device-warped tiles match the scipy ones, --resave makes a numpy-2 size model readable by numpy 1, snapshots average exactly', () => {
    const out = execFileSync(
      PY_NUMPY1,
      ['tools/train/check_tools.py', '--numpy2-size-model', 'test/fixtures/pickle/numpy2-size-model.npy'],
      { cwd: REPO, encoding: 'utf8', env: { ...process.env, CELLPOSE_STUDIO_SHARED: SHARED_DIR, PYTHONDONTWRITEBYTECODE: '1' } },
    );
    const lines = out.split('\n').filter((l) => l.startsWith('ok '));
    expect(lines.map((l) => l.split(':')[0])).toEqual(['ok augment', 'ok resave', 'ok average']);
    expect(out).toMatch(/ok augment: 6 images x 3 seeds, \d{5,} inner pixels/);
    expect(out).toMatch(/the numpy-2 file itself: refused/);
    expect(out).toMatch(/ok average: 313 tensors of 3 snapshots; precise BN re-measured 82 running statistics/);
  });
});
