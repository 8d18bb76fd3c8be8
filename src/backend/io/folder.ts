// The images of a folder as Cellpose lists them (io.get_image_files, used by the CLI and by the
// GUI's previous/next keys, GUI_AND_FORMATS A.2): known extensions in any case, natural sort, and
// Cellpose's own outputs (_masks, _flows, _cellprob, ...) left out.
import { readdir } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';

const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg', '.tif', '.tiff', '.flex', '.dax', '.nd2', '.nrrd']);
/** Stem endings of files Cellpose writes next to an image (matched case-sensitively, as Cellpose does). */
const OUTPUT_SUFFIXES = ['_masks', '_flows', '_flows_0', '_flows_1', '_flows_2', '_cellprob', '_cp_output'];

/** `maskFilter` is the CLI's --mask_filter, left out too (default _masks, already in the list). */
export function isListedImage(name: string, maskFilter = '_masks'): boolean {
  const ext = extname(name);
  if (!IMAGE_EXTENSIONS.has(ext.toLowerCase())) return false;
  const stem = name.slice(0, name.length - ext.length);
  // Cellpose keeps a file whose stem is no longer than the suffix (e.g. "_masks.png" itself).
  return ![...OUTPUT_SUFFIXES, maskFilter].some((s) => stem.length > s.length && stem.endsWith(s));
}

/** natsort-like order: digit runs compare as numbers, the rest by code point. */
export function naturalCompare(a: string, b: string): number {
  const re = /(\d+)|(\D+)/g;
  const pa = a.match(re) ?? [];
  const pb = b.match(re) ?? [];
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const x = pa[i];
    const y = pb[i];
    if (x === y) continue;
    const dx = /^\d/.test(x);
    const dy = /^\d/.test(y);
    if (dx && dy) {
      const d = Number(x) - Number(y);
      if (d !== 0) return d;
      return x.length - y.length; // "01" after "1"
    }
    return x < y ? -1 : 1;
  }
  return pa.length - pb.length;
}

/** Full paths of the images in `dir`, in Cellpose's order. */
export async function listImagesInFolder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  return entries
    .filter((e) => (e.isFile() || e.isSymbolicLink()) && isListedImage(e.name))
    .map((e) => e.name)
    .sort(naturalCompare)
    .map((n) => join(dir, n));
}

/** The next (+1) or previous (-1) image in the folder of `path`, wrapping around. When `path` is not
 *  itself listed (e.g. a _masks file), the step starts from where it would sort. Undefined when
 *  the folder has no image. */
export async function neighbourImage(path: string, step: 1 | -1): Promise<string | undefined> {
  const list = await listImagesInFolder(dirname(path));
  if (list.length === 0) return undefined;
  const name = basename(path);
  const names = list.map((p) => basename(p));
  let i = names.indexOf(name);
  if (i < 0) {
    const after = names.findIndex((n) => naturalCompare(n, name) > 0);
    // Not listed: "next" is the first one after it, "previous" the last one before it.
    i = step === 1 ? (after < 0 ? names.length : after) - 1 : after < 0 ? names.length : after;
  }
  const n = names.length;
  return list[(((i + step) % n) + n) % n];
}
