// Folders of <repo>/resources (the shipped model, the int8 calibration images), found from this
// module's own location: src/backend/io when run from source (tsx), out/cli or out/main in a build,
// where the bundler puts every chunk next to its entry.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** `<repo>/resources/<name>/`: the first candidate that exists, else the source layout's. */
export function resourcesFolder(name: string): string {
  const candidates = [`../../../resources/${name}/`, `../../resources/${name}/`].map((rel) => fileURLToPath(new URL(rel, import.meta.url)));
  return candidates.find((dir) => existsSync(dir)) ?? candidates[0];
}
