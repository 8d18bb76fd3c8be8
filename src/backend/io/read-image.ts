// Read an image file from disk and decode it. Every error names the file: a missing file, a
// folder, no permission, or a decoder's complaint about the content.
import { readFile, stat } from 'node:fs/promises';
import { FormatError } from '../../core/errors.ts';
import { decodeImage, DEFAULT_MAX_DECODED_BYTES } from '../../core/io/decode-image.ts';
import type { AxisOverride, ImageStack } from '../../core/io/image-types.ts';

export interface ReadImageOptions {
  axes?: AxisOverride;
  maxDecodedBytes?: number;
}

function describeFsError(e: unknown): string {
  const code = typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : '';
  switch (code) {
    case 'ENOENT': return 'file not found';
    case 'EACCES':
    case 'EPERM': return 'permission denied';
    case 'EISDIR': return 'is a folder, not an image file';
    case 'ERR_FS_FILE_TOO_LARGE': return 'file is too large to read';
    default: return e instanceof Error ? e.message : String(e);
  }
}

export async function readImageFile(path: string, opts: ReadImageOptions = {}): Promise<ImageStack> {
  let bytes: Uint8Array;
  try {
    const s = await stat(path);
    if (s.isDirectory()) throw new FormatError('is a folder, not an image file', path);
    // A file bigger than the decode cap cannot be an image we would accept (compressed or not,
    // its pixels need at least a tenth of the file); refuse it before reading it into memory.
    const cap = opts.maxDecodedBytes ?? DEFAULT_MAX_DECODED_BYTES;
    if (s.size > cap * 10) throw new FormatError(`file of ${s.size} bytes is over the size limit`, path);
    const b = await readFile(path);
    bytes = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  } catch (e) {
    if (e instanceof FormatError) throw e;
    throw new FormatError(describeFsError(e), path);
  }
  try {
    return await decodeImage(bytes, { nameHint: path, axes: opts.axes, maxDecodedBytes: opts.maxDecodedBytes });
  } catch (e) {
    if (e instanceof FormatError && e.source) throw e;
    throw new FormatError(e instanceof Error ? e.message : String(e), path);
  }
}
