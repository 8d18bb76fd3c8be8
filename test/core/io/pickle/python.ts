// Run Debian's python3 (numpy 1.24 + torch 1.13) or the pyenv python (numpy 2.x) from a test.
// Tests use Python only to produce or check reference data, never the app.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** Debian python3: numpy 1.24, torch 1.13. */
export const PY_NUMPY1 = '/usr/bin/python3';
/** A numpy-2 python when the machine has one (pyenv); tests that need it check `hasNumpy2`. */
export const PY_NUMPY2 = ['/root/.pyenv/shims/python3'].find((p) => existsSync(p)) ?? '';

export function runPython(script: string, python = PY_NUMPY1, input?: Uint8Array): string {
  return execFileSync(python, ['-c', script], { input, maxBuffer: 256 << 20, encoding: 'utf8', cwd: '/tmp' });
}

export function numpyVersion(python: string): string {
  if (!python) return '';
  try {
    return runPython('import numpy; print(numpy.__version__)', python).trim();
  } catch {
    return '';
  }
}
