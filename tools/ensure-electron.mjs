#!/usr/bin/env node
// `npm start` runs this first. package.json's allowScripts keeps electron's postinstall off (it
// downloads the Electron binary, which fails on machines without access to GitHub, such as CI), so
// the binary is fetched here, on first start, by electron's own install script.
import { existsSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const electronDir = dirname(require.resolve('electron/package.json'));
const { version } = JSON.parse(readFileSync(join(electronDir, 'package.json'), 'utf8'));
const versionFile = join(electronDir, 'dist', 'version');
const installed = existsSync(versionFile) && readFileSync(versionFile, 'utf8').trim().replace(/^v/, '') === version;
if (!installed) {
  console.log(`Cellpose Studio: fetching the Electron ${version} binary (first start only)...`);
  const r = spawnSync(process.execPath, [join(electronDir, 'install.js')], { stdio: 'inherit' });
  if (r.status !== 0) {
    console.error('Cellpose Studio: the Electron binary could not be downloaded. `npm run web` runs the same GUI in a browser.');
    process.exit(r.status ?? 1);
  }
}
