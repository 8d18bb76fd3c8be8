// Read an image file from disk and decode it. Every error names the file: a missing file, a
// folder, no permission, or a decoder's complaint about the content.
import { readFile, stat } from 'node:fs/promises';
import { constants, inflateSync } from 'node:zlib';
import { FormatError } from '../../core/errors.ts';
import { decodeImage, DEFAULT_MAX_DECODED_BYTES } from '../../core/io/decode-image.ts';
import type { AxisOverride, ImageStack } from '../../core/io/image-types.ts';

export interface ReadImageOptions {
  axes?: AxisOverride;
  maxDecodedBytes?: number;
}

/** Node's native zlib, several times faster than fflate on large Deflate TIFFs. maxOutputLength
 *  keeps a corrupt stream from growing far past what the strip declares (a little slack for writers
 *  that pad), and the result is cut to the declared size as fflate does. Z_SYNC_FLUSH returns what a
 *  truncated stream holds, so the caller reports "decodes to N bytes, M needed". */
const INFLATE_SLACK_BYTES = 65536;
export function inflateNative(src: Uint8Array, maxBytes: number): Uint8Array {
  const out = inflateSync(src, { maxOutputLength: maxBytes + INFLATE_SLACK_BYTES, finishFlush: constants.Z_SYNC_FLUSH });
  return new Uint8Array(out.buffer, out.byteOffset, Math.min(out.byteLength, maxBytes));
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

/** A file's bytes for decoding. A missing file, a folder, no permission, or a file too big to be
 *  an image we would decode is an Error whose message says so without the file's name (callers put
 *  it in front: readImageFile as FormatError.source, the CLI as its "FILE: error:" line). */
export async function readImageBytes(path: string, maxDecodedBytes = DEFAULT_MAX_DECODED_BYTES): Promise<Uint8Array> {
  try {
    const s = await stat(path);
    if (s.isDirectory()) throw new FormatError('is a folder, not an image file');
    // A file bigger than the decode cap cannot be an image we would accept (compressed or not,
    // its pixels need at least a tenth of the file); refuse it before reading it into memory.
    if (s.size > maxDecodedBytes * 10) throw new FormatError(`file of ${s.size} bytes is over the size limit`);
    const b = await readFile(path);
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  } catch (e) {
    if (e instanceof FormatError) throw e;
    throw new FormatError(describeFsError(e));
  }
}

export async function readImageFile(path: string, opts: ReadImageOptions = {}): Promise<ImageStack> {
  let bytes: Uint8Array;
  try {
    bytes = await readImageBytes(path, opts.maxDecodedBytes);
  } catch (e) {
    throw new FormatError(e instanceof Error ? e.message : String(e), path);
  }
  try {
    return await decodeImage(bytes, { nameHint: path, axes: opts.axes, maxDecodedBytes: opts.maxDecodedBytes, inflate: inflateNative });
  } catch (e) {
    if (e instanceof FormatError && e.source) throw e;
    throw new FormatError(e instanceof Error ? e.message : String(e), path);
  }
}
