// Start a worker thread from a module next to the caller. Under tsx (dev, CLI, tests) the worker
// is a .ts file and needs the tsx loader; in a build it is the compiled .js file.
import { Worker, type WorkerOptions } from 'node:worker_threads';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export function spawnWorker(moduleUrl: URL, options: WorkerOptions = {}): Worker {
  let file = fileURLToPath(moduleUrl);
  const execArgv = [...(options.execArgv ?? process.execArgv)];
  if (file.endsWith('.ts')) {
    if (!existsSync(file) && existsSync(file.replace(/\.ts$/, '.js'))) {
      file = file.replace(/\.ts$/, '.js');
    } else if (!execArgv.some((a) => a.includes('tsx'))) {
      execArgv.push('--import', 'tsx');
    }
  }
  return new Worker(file, { ...options, execArgv });
}
