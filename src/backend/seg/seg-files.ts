// Load and save `_seg.npy` files (GUI_AND_FORMATS.md A.2, B.1). Saving is atomic (temp file +
// rename), so a crash never leaves a half-written _seg.npy.
import { access, readFile } from 'node:fs/promises';
import { basename, dirname, extname, isAbsolute, join } from 'node:path';
import type { NdArray } from '../../core/array/ndarray.ts';
import { FormatError, withSource } from '../../core/errors.ts';
import { readSeg } from '../../core/seg/parse-seg.ts';
import type { SegFile } from '../../core/seg/seg-file.ts';
import { writeSeg, type SegWriteInput, type SegWriteLayout } from '../../core/seg/write-seg.ts';
import { writeFileAtomic } from '../io/atomic-write.ts';

const IMAGE_EXTS = ['.tif', '.tiff', '.png', '.jpg', '.jpeg', '.TIF', '.TIFF', '.PNG', '.JPG', '.JPEG'];

export interface LoadedSeg {
  seg: SegFile;
  /** The image the seg belongs to, or null when only an embedded image was found. */
  imagePath: string | null;
  /** The `img` array of old files, when no image file was found. */
  embeddedImage: NdArray | null;
}

/** `<dir>/<stem>_seg.npy` for an image path (Cellpose's naming). */
export function segPathForImage(imagePath: string): string {
  const ext = extname(imagePath);
  return join(dirname(imagePath), `${basename(imagePath, ext)}_seg.npy`);
}

/** The image stem a _seg.npy belongs to: `x_seg.npy` -> `x`. */
export function stemOfSeg(segPath: string): string {
  const b = basename(segPath);
  return b.endsWith('_seg.npy') ? b.slice(0, -'_seg.npy'.length) : basename(b, extname(b));
}

async function exists(p: string): Promise<boolean> {
  try {
    await access(p);
    return true;
  } catch {
    return false;
  }
}

/**
 * Cellpose's image resolution for an opened _seg.npy (A.2): the stored `filename`; else a file
 * of the same base name in the seg's folder; else the embedded `img`. Cellpose's CLI stores the
 * name without extension (e.g. 'img2d'), so we also try the usual image extensions on that base
 * name and on the seg's own stem — an addition to Cellpose, which would fall through to `img`.
 */
export async function resolveSegImage(segPath: string, seg: SegFile): Promise<string | null> {
  const folder = dirname(segPath);
  const tried: string[] = [];
  const candidates: string[] = [];
  if (seg.filename) {
    const stored = isAbsolute(seg.filename) ? seg.filename : join(folder, seg.filename);
    candidates.push(stored);
    // A Windows path stored on another machine: split on both separators.
    const base = seg.filename.split(/[\\/]/).pop() ?? '';
    if (base) {
      candidates.push(join(folder, base));
      if (!extname(base)) for (const e of IMAGE_EXTS) candidates.push(join(folder, base + e));
    }
  }
  for (const e of IMAGE_EXTS) candidates.push(join(folder, stemOfSeg(segPath) + e));
  for (const c of candidates) {
    if (tried.includes(c)) continue;
    tried.push(c);
    if (await exists(c)) return c;
  }
  return null;
}

/** Read a _seg.npy and find its image. */
export async function loadSeg(segPath: string): Promise<LoadedSeg> {
  const bytes = new Uint8Array(await readFile(segPath));
  const seg = withSource(segPath, () => readSeg(bytes));
  const imagePath = await resolveSegImage(segPath, seg);
  if (imagePath === null && seg.img === null) {
    throw new FormatError(`no image file found (stored filename '${seg.filename ?? ''}', nothing next to the file, no embedded image)`, segPath);
  }
  return { seg, imagePath, embeddedImage: imagePath === null ? seg.img : null };
}

/** Write a _seg.npy atomically in the CLI or GUI layout. */
export async function saveSeg(segPath: string, seg: SegWriteInput, layout: SegWriteLayout): Promise<void> {
  const bytes = withSource(segPath, () => writeSeg(seg, layout));
  await writeFileAtomic(segPath, bytes);
}
