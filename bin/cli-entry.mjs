// Which CLI entry bin/cellpose-studio.mjs runs: the bundle (out/cli/main.js) when it exists and is
// newer than every file under src/, else the TypeScript sources through tsx.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function newestMtimeMs(dir) {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtimeMs(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/** @param {string} root the repository folder @returns {'bundle' | 'sources'} */
export function cliEntry(root) {
  const bundle = join(root, 'out', 'cli', 'main.js');
  return existsSync(bundle) && statSync(bundle).mtimeMs >= newestMtimeMs(join(root, 'src')) ? 'bundle' : 'sources';
}
