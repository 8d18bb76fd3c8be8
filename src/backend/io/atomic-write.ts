// Atomic file writes: a crash or a full disk never leaves a half-written file under the real
// name (DESIGN.md). The bytes go to a temp file in the same folder (rename is atomic only within
// one file system), are fsynced, then renamed over the target; the temp file is removed on failure.
import { randomBytes } from 'node:crypto';
import { copyFile, open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** A temp name beside `path` (same folder, so the final rename stays on one file system). */
function tempBeside(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

/** bytes: one buffer, a string, or pieces written in order (a large file assembled in parts,
 *  such as writeSegParts's, need not be joined in memory first). */
export async function writeFileAtomic(path: string, bytes: Uint8Array | string | readonly Uint8Array[]): Promise<void> {
  const pieces = typeof bytes === 'string' ? [new TextEncoder().encode(bytes)] : bytes instanceof Uint8Array ? [bytes] : bytes;
  const dir = dirname(path);
  const tmp = tempBeside(path);
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(tmp, 'wx', 0o666);
    for (const piece of pieces) {
      let written = 0;
      while (written < piece.length) {
        const { bytesWritten } = await handle.write(piece, written, piece.length - written);
        written += bytesWritten;
      }
    }
    await handle.sync();
    await handle.close();
    handle = undefined;
    await rename(tmp, path);
  } catch (e) {
    if (handle) await handle.close().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    const msg = e instanceof Error ? e.message : String(e);
    throw new Error(`could not write ${path}: ${msg}`, { cause: e });
  }
  // Persist the rename itself; directories cannot be fsynced on every platform, so best effort.
  try {
    const d = await open(dir, 'r');
    await d.sync().finally(() => d.close());
  } catch {
    /* not supported here (e.g. Windows) */
  }
}

/** Copies `src` to `dest` so that readers see the old `dest` or the whole new one, never a part. */
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
