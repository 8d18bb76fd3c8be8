// The Electron build must emit every worker the backend starts: spawnWorker turns
// `new URL('./x.ts', import.meta.url)` into out/main/x.js in a bundle, so each worker module must
// be an entry of the main build under its own (unique) base name.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAIN_CHUNK_FILE_NAMES, WORKER_ENTRIES } from '../../electron.vite.config.ts';

const repo = path.resolve(__dirname, '..', '..');

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = path.join(dir, n);
    return statSync(p).isDirectory() ? tsFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

describe('electron-vite config', () => {
  it('has a main-build entry for every worker module the backend spawns', () => {
    const spawned = new Set<string>();
    for (const file of tsFiles(path.join(repo, 'src/backend'))) {
      for (const m of readFileSync(file, 'utf8').matchAll(/new URL\('(\.\/[\w-]+\.ts)', import\.meta\.url\)/g)) {
        spawned.add(path.resolve(path.dirname(file), m[1]));
      }
    }
    expect(spawned.size).toBeGreaterThan(0);
    const entries = new Map(Object.entries(WORKER_ENTRIES).map(([name, file]) => [file, name]));
    for (const worker of spawned) {
      expect(entries.get(worker), `${path.relative(repo, worker)} is not a main-build entry`).toBe(path.basename(worker, '.ts'));
    }
  });

  it('emits shared main chunks beside the entries, so a spawn URL inside a chunk finds the worker', () => {
    // A chunk in out/main/chunks/ would resolve './dynamics-worker.ts' to out/main/chunks/dynamics-worker.js,
    // which does not exist (found in the first build: the dynamics pool landed in a chunk).
    expect(MAIN_CHUNK_FILE_NAMES).not.toContain('/');
  });
});
