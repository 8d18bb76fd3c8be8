// Atomic file writes for the models folder: write a temp file beside the target (same file
// system), then rename, so readers see the old content or the new, never half of it.
import { randomBytes } from 'node:crypto';
import { copyFile, rename, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

function tempBeside(dest: string): string {
  return join(dirname(dest), `.${basename(dest)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

export async function writeFileAtomic(dest: string, data: Uint8Array | string): Promise<void> {
  const tmp = tempBeside(dest);
  try {
    await writeFile(tmp, data);
    await rename(tmp, dest);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
}

export async function copyFileAtomic(src: string, dest: string): Promise<void> {
  const tmp = tempBeside(dest);
  try {
    await copyFile(src, tmp);
    await rename(tmp, dest);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
}
