// Helpers shared by the bench modules.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { DIST_WEB, REPO } from '../test/e2e/browser.ts';

/** Median (mean of the two middle values for an even count, as numpy). */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** Builds the browser GUI into dist-web unless a build is already there. */
export async function ensureWebBuild(): Promise<void> {
  if (existsSync(path.join(DIST_WEB, 'index.html'))) return;
  const { build } = await import('vite');
  await build({ configFile: path.join(REPO, 'vite.web.config.ts'), logLevel: 'warn' });
}
