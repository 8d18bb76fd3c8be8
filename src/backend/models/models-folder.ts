// Where models live: the same folder Cellpose uses, so models it already downloaded are found
// ($CELLPOSE_LOCAL_MODELS_PATH, else ~/.cellpose/models), and its gui_models.txt list of user
// models (GUI A.15: one file name per line, appended when a model is added).
import { mkdir, readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from '../io/atomic-write.ts';

export const GUI_MODELS_FILE = 'gui_models.txt';

export function defaultModelsFolder(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.CELLPOSE_LOCAL_MODELS_PATH;
  return fromEnv && fromEnv.trim() !== '' ? fromEnv : join(homedir(), '.cellpose', 'models');
}

export async function ensureFolder(folder: string): Promise<void> {
  await mkdir(folder, { recursive: true });
}

/** Names listed in gui_models.txt (blank lines dropped, order kept, duplicates once). */
export async function readGuiModels(folder: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(join(folder, GUI_MODELS_FILE), 'utf8');
  } catch {
    return [];
  }
  const seen = new Set<string>();
  for (const line of text.split(/\r?\n/)) {
    const name = line.trim();
    if (name !== '') seen.add(name);
  }
  return [...seen];
}

/** Append a name unless present. Rewritten atomically rather than appended in place. */
export async function addGuiModel(folder: string, name: string): Promise<void> {
  if (/[\r\n]/.test(name)) throw new Error(`model name '${name}' contains a line break`);
  const names = await readGuiModels(folder);
  if (names.includes(name)) return;
  names.push(name);
  await ensureFolder(folder);
  await writeFileAtomic(join(folder, GUI_MODELS_FILE), names.map((n) => n + '\n').join(''));
}
