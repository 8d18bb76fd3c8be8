#!/usr/bin/env node
// Entry point for `npx cellpose-studio`. It runs the bundled CLI (out/cli, made by `npm run build`
// or `npm run build:cli`) when that is newer than every source file, which starts about a second
// faster; otherwise the TypeScript sources through tsx, so a fresh clone works with no build.
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { cliEntry } from './cli-entry.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
process.env.CELLPOSE_STUDIO_CLI = '1';
if (cliEntry(root) === 'bundle') {
  await import(pathToFileURL(join(root, 'out', 'cli', 'main.js')).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
