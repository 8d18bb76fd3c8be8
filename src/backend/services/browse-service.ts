// browse (the web build's file picker: it cannot see the disk itself) and neighbourImage (the
// GUI's previous/next image keys), both with Cellpose's folder rules from backend/io/folder.ts.
import type { Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { BrowseEntry, BrowseFilter, BrowseRequest, BrowseResult, NeighbourRequest } from '../../shared/contract.ts';
import { isListedImage, naturalCompare, neighbourImage } from '../io/folder.ts';
import type { SettingsStore } from '../settings/settings-store.ts';
import { BadRequestError, namingFile, requireString } from './service-errors.ts';

/** A folder with more entries than this is listed partially (the picker is for people, not globs). */
export const MAX_BROWSE_ENTRIES = 5000;

const MASK_EXTENSIONS = new Set(['.png', '.tif', '.tiff']);

function fileMatches(name: string, filter: BrowseFilter): boolean {
  switch (filter) {
    case 'images':
      return isListedImage(name);
    case 'masks':
      // Mask files are exactly what the image filter hides (_masks, _cp_masks), so list by extension.
      return MASK_EXTENSIONS.has(path.extname(name).toLowerCase());
    case 'seg':
      return name.endsWith('_seg.npy');
    case 'all':
      return true;
  }
}

function isInside(root: string, p: string): boolean {
  return p === root || p.startsWith(root.endsWith(path.sep) ? root : root + path.sep);
}

export function createBrowseService(settings: SettingsStore, browseRoot: string | undefined) {
  const root = browseRoot === undefined ? undefined : path.resolve(browseRoot);

  async function isDirectory(dir: string, e: Dirent): Promise<boolean> {
    if (e.isDirectory()) return true;
    if (!e.isSymbolicLink()) return false;
    try {
      return (await stat(path.join(dir, e.name))).isDirectory();
    } catch {
      return false; // a dangling link
    }
  }

  return {
    async browse(req: BrowseRequest): Promise<BrowseResult> {
      const filter: BrowseFilter = req?.filter ?? 'images';
      if (!['images', 'masks', 'seg', 'all'].includes(filter)) throw new BadRequestError('browse', `unknown filter ${JSON.stringify(filter)}`);
      let start = req?.path;
      if (start !== undefined && typeof start !== 'string') throw new BadRequestError('browse', '"path" must be a string');
      if (!start) {
        const last = (await settings.load()).lastFolder;
        start = typeof last === 'string' && last.length > 0 ? last : (root ?? os.homedir());
      }
      let dir = path.resolve(start);
      if (root && !isInside(root, dir)) dir = root;
      return namingFile(dir, async () => {
        if (!(await stat(dir)).isDirectory()) dir = path.dirname(dir);
        const all = await readdir(dir, { withFileTypes: true });
        const entries: BrowseEntry[] = [];
        for (const e of all) {
          if (e.name.startsWith('.')) continue; // hidden files, as file dialogs do by default
          if (await isDirectory(dir, e)) entries.push({ name: e.name, isDir: true });
          else if (fileMatches(e.name, filter)) entries.push({ name: e.name, isDir: false });
        }
        entries.sort((a, b) => (a.isDir === b.isDir ? naturalCompare(a.name, b.name) : a.isDir ? -1 : 1));
        const parentDir = path.dirname(dir);
        const parent = parentDir === dir || (root !== undefined && dir === root) ? null : parentDir;
        const truncated = entries.length > MAX_BROWSE_ENTRIES;
        return { path: dir, parent, entries: truncated ? entries.slice(0, MAX_BROWSE_ENTRIES) : entries, truncated };
      });
    },

    async neighbourImage(req: NeighbourRequest): Promise<{ path: string }> {
      const file = path.resolve(requireString('neighbourImage', req, 'path'));
      if (req.step !== 1 && req.step !== -1) throw new BadRequestError('neighbourImage', '"step" must be 1 or -1');
      const next = await namingFile(file, () => neighbourImage(file, req.step));
      if (next === undefined) throw new Error(`${path.dirname(file)}: no images in this folder`);
      return { path: next };
    },
  };
}
