// Start a worker thread from a module next to the caller. In a build (Electron, electron-vite) the
// worker is the compiled .js file beside the caller. Under tsx (dev, CLI, tests) it is a .ts file,
// and Node 20 does not apply `--import tsx` from a worker's execArgv to the worker's entry module
// ("Unknown file extension .ts"), so a tiny eval'd bootstrap registers tsx inside the worker first
// and then imports the module.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

export function spawnWorker(moduleUrl: URL, options: WorkerOptions = {}): Worker {
  const file = fileURLToPath(moduleUrl);
  if (!file.endsWith('.ts')) return new Worker(file, options);
  const js = file.replace(/\.ts$/, '.js');
  if (!existsSync(file) && existsSync(js)) return new Worker(js, options);
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsxApi)}).then((m) => { m.register(); return import(${JSON.stringify(moduleUrl.href)}); })`;
  return new Worker(boot, { ...options, eval: true });
}
