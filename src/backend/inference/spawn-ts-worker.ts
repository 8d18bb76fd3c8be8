// Start the inference worker. Under tsx (dev, CLI, tests) the worker module is TypeScript; Node 20
// does not apply `--import tsx` from a worker's execArgv to the worker's entry module ("Unknown
// file extension .ts"), so a tiny eval'd bootstrap registers tsx inside the worker and then imports
// the module. A built app has the .js file and needs none of this.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

export function spawnTsWorker(moduleUrl: URL): Worker {
  const file = fileURLToPath(moduleUrl);
  if (!file.endsWith('.ts')) return new Worker(file);
  const js = file.replace(/\.ts$/, '.js');
  if (!existsSync(file) && existsSync(js)) return new Worker(js);
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const code = `import(${JSON.stringify(tsxApi)}).then((m) => { m.register(); return import(${JSON.stringify(moduleUrl.href)}); })`;
  return new Worker(code, { eval: true });
}
