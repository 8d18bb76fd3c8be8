// Persistent GUI settings: one JSON file, ~/.cellpose-studio/settings.json (or
// $CELLPOSE_STUDIO_HOME/settings.json). Cellpose itself persists little (GUI_AND_FORMATS A.19);
// we also keep the last folder, model, parameters, display choices and, per image file, the
// axis override the user chose, so a file with ambiguous axes is asked about once.
import { mkdir, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { AxisOverride } from '../../core/io/image-types.ts';
import type { Settings } from '../../shared/contract.ts';
import { writeFileAtomic } from '../io/atomic-write.ts';

export const SETTINGS_FILE = 'settings.json';
/** A settings file bigger than this is not ours; refuse it rather than parse it. */
const MAX_SETTINGS_BYTES = 8 << 20;
/** Keep the per-file axis map bounded: oldest entries go first. */
const MAX_AXIS_ENTRIES = 500;

/** The folder holding settings (and other per-user state). */
export function studioHome(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.CELLPOSE_STUDIO_HOME;
  return fromEnv && fromEnv.length > 0 ? path.resolve(fromEnv) : path.join(os.homedir(), '.cellpose-studio');
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function isAxisIndex(v: unknown): v is number | null | undefined {
  return v === undefined || v === null || (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < 8);
}

/** Keep only well-formed axis overrides (the file is user-editable). */
function cleanAxisMap(v: unknown): Record<string, AxisOverride> {
  const out: Record<string, AxisOverride> = {};
  if (!isPlainObject(v)) return out;
  for (const [file, o] of Object.entries(v)) {
    if (!isPlainObject(o) || !isAxisIndex(o.zAxis) || !isAxisIndex(o.channelAxis)) continue;
    out[file] = { zAxis: o.zAxis ?? null, channelAxis: o.channelAxis ?? null };
  }
  return out;
}

export class SettingsStore {
  private cache: Settings | null = null;
  /** Serialises writes so two quick setSettings calls cannot reorder on disk. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(readonly dir: string) {}

  get file(): string {
    return path.join(this.dir, SETTINGS_FILE);
  }

  /** The current settings; a missing file is {}, a corrupt one is reported in `warning` and ignored. */
  async load(): Promise<Settings> {
    if (this.cache) return this.cache;
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return (this.cache = {});
      throw new Error(`${this.file}: cannot read settings (${(e as Error).message})`);
    }
    let parsed: unknown = null;
    if (text.length <= MAX_SETTINGS_BYTES) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = null;
      }
    }
    // A broken settings file must not stop the app from starting: start fresh, and the next
    // save replaces it.
    this.cache = isPlainObject(parsed) ? parsed : {};
    if (this.cache.axisOverrides !== undefined) this.cache.axisOverrides = cleanAxisMap(this.cache.axisOverrides);
    return this.cache;
  }

  /** Shallow-merge `patch` (a null value deletes the key) and save atomically. */
  async update(patch: Settings): Promise<Settings> {
    if (!isPlainObject(patch)) throw new TypeError('settings must be an object');
    const run = async (): Promise<Settings> => {
      const next: Settings = { ...(await this.load()) };
      for (const [k, v] of Object.entries(patch)) {
        if (v === null) delete next[k];
        else next[k] = k === 'axisOverrides' ? cleanAxisMap(v) : v;
      }
      const text = JSON.stringify(next, null, 2);
      if (text.length > MAX_SETTINGS_BYTES) throw new RangeError(`settings would be ${text.length} bytes; refusing to save`);
      await mkdir(this.dir, { recursive: true });
      await writeFileAtomic(this.file, new TextEncoder().encode(text + '\n'));
      this.cache = next;
      return next;
    };
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  async axisOverrideFor(file: string): Promise<AxisOverride | undefined> {
    return cleanAxisMap((await this.load()).axisOverrides)[file];
  }

  /** Remember the axes chosen for one image file. */
  async rememberAxisOverride(file: string, axes: AxisOverride): Promise<void> {
    const map = cleanAxisMap((await this.load()).axisOverrides);
    delete map[file];
    map[file] = { zAxis: axes.zAxis ?? null, channelAxis: axes.channelAxis ?? null };
    const keys = Object.keys(map);
    for (const k of keys.slice(0, Math.max(0, keys.length - MAX_AXIS_ENTRIES))) delete map[k];
    await this.update({ axisOverrides: map });
  }
}
