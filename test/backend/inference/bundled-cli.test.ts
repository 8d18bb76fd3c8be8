// The bundled CLI (`npm run build:cli` -> out/cli, what bin/cellpose-studio.mjs runs when it is newer
// than the sources): it must find its worker files and the shipped model from out/cli and write the
// same _seg.npy masks as the TypeScript sources run through tsx.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs helper of bin/, no type declarations
import { cliEntry } from '../../../bin/cli-entry.mjs';
import { FIXTURES, REAL_MODEL } from './cellpose-fixture.ts';

const NODE = process.execPath;
const REPO = join(import.meta.dirname, '..', '..', '..');

describe('bundled CLI (out/cli)', () => {
  beforeAll(() => {
    execFileSync('npm', ['run', '--silent', 'build:cli'], { stdio: 'pipe' });
  }, 120_000);

  it('runs from bin/ with the real checkpoint and gives the masks of the tsx run', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bundled-cli-'));
    for (const sub of ['bundle', 'tsx']) mkdirSync(join(dir, sub));
    copyFileSync(`${FIXTURES}/gui2d/crop2d.tif`, join(dir, 'crop2d.tif'));
    const args = ['segment', '--image_path', join(dir, 'crop2d.tif'), '--pretrained_model', REAL_MODEL, '--diameter', '24', '--no_npy', '--save_tif'];
    const viaBin = execFileSync(NODE, ['bin/cellpose-studio.mjs', ...args, '--savedir', join(dir, 'bundle')], { encoding: 'utf8', stdio: 'pipe' });
    const viaTsx = execFileSync(NODE, ['--import', 'tsx', 'src/cli/main.ts', ...args, '--savedir', join(dir, 'tsx')], { encoding: 'utf8', stdio: 'pipe' });
    expect(viaBin).toMatch(/^crop2d\.tif: \d+ masks, diameter 24\.0 px/);
    expect(viaBin.split(',')[0]).toBe(viaTsx.split(',')[0]);
    const a = readFileSync(join(dir, 'bundle', 'crop2d_cp_masks.tif'));
    const b = readFileSync(join(dir, 'tsx', 'crop2d_cp_masks.tif'));
    expect(a.equals(b)).toBe(true);
  }, 120_000);

  it('finds the shipped model from out/cli (no --pretrained_model)', () => {
    const out = execFileSync(NODE, ['out/cli/main.js', 'models'], { encoding: 'utf8', stdio: 'pipe', env: { ...process.env, CELLPOSE_STUDIO_BUNDLED_MODELS: '' } });
    expect(out).toMatch(/cpsd_nuclei_v1/);
    expect(out).not.toMatch(/cpsd_nuclei_v1[^\n]*(missing|not found)/i);
  }, 60_000);

  it('--version names the package version and onnxruntime-node\'s, from the bundle and from the sources', () => {
    const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string };
    const ort = JSON.parse(readFileSync(join(REPO, 'node_modules', 'onnxruntime-node', 'package.json'), 'utf8')) as { version: string };
    for (const argv of [['out/cli/main.js', '--version'], ['--import', 'tsx', 'src/cli/main.ts', '--version']]) {
      const out = execFileSync(NODE, argv, { encoding: 'utf8', stdio: 'pipe', env: { ...process.env, CELLPOSE_STUDIO_CLI: '1' } });
      expect(out).toMatch(new RegExp(`^cellpose-studio version: \\t${pkg.version.replace(/\./g, '\\.')}\n`));
      expect(out).toContain(`onnxruntime-node version: \t${ort.version}\n`);
      expect(out).toContain(`node version:   \t${process.versions.node}\n`);
    }
  }, 60_000);

  it('bin/ runs the bundle only while it is newer than every source file', () => {
    const bundle = 'out/cli/main.js';
    const now = new Date();
    utimesSync(bundle, now, now);
    expect(cliEntry(REPO)).toBe('bundle');
    const old = new Date(Date.now() - 365 * 24 * 3600_000);
    utimesSync(bundle, old, old);
    expect(cliEntry(REPO)).toBe('sources');
    utimesSync(bundle, now, now);
  });
});
