// Where the shared data lives: the real images in data/, Cellpose's own files in fixtures/.
// CELLPOSE_STUDIO_SHARED when set, else the `shared` folder beside the repository (the layout of
// the development machine and of CI), else /work/shared for a clone made somewhere else.
// Tests and benches only ever read from here; anything that writes works on copies.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

function locateShared(): string {
  const fromEnv = process.env.CELLPOSE_STUDIO_SHARED;
  if (fromEnv) return resolve(fromEnv);
  const beside = resolve(REPO_ROOT, '..', 'shared');
  return existsSync(beside) ? beside : '/work/shared';
}

export const SHARED_DIR = locateShared();

/** A path inside the shared folder, e.g. sharedPath('data/stardist-dsb2018-sample-2d/img2d.tif'). */
export function sharedPath(relative: string): string {
  return join(SHARED_DIR, relative);
}
