// Read an image file's bytes with a size check first, so a huge or special file is refused
// before anything is allocated.
import { readFile, stat } from 'node:fs/promises';
import { DEFAULT_MAX_DECODED_BYTES } from '../../core/io/decode-image.ts';

export async function readImageBytes(file: string, maxBytes = DEFAULT_MAX_DECODED_BYTES): Promise<Uint8Array> {
  const info = await stat(file);
  if (info.isDirectory()) throw new Error('is a folder, not an image file');
  if (!info.isFile()) throw new Error('is not a regular file');
  if (info.size > maxBytes) throw new Error(`file is ${info.size} bytes, more than the ${maxBytes}-byte limit`);
  return new Uint8Array(await readFile(file));
}
