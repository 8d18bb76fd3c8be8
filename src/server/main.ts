// `npm run web`: the backend + the browser build on http://127.0.0.1:PORT/ until interrupted.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createBackend } from '../backend/services/backend.ts';
import { startServer } from './server.ts';

/** --port N / --port=N, else $CELLPOSE_STUDIO_PORT, else 0 (a free port). */
export function parsePort(argv: readonly string[], env: NodeJS.ProcessEnv): number {
  let text: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--port') text = argv[i + 1];
    else if (argv[i].startsWith('--port=')) text = argv[i].slice('--port='.length);
  }
  text ??= env.CELLPOSE_STUDIO_PORT;
  if (text === undefined || text === '') return 0;
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`bad port "${text}": expected an integer 0-65535`);
  return port;
}

async function main(): Promise<void> {
  const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
  const port = parsePort(process.argv.slice(2), process.env);
  const backend = createBackend();
  const server = await startServer({ port, staticDir: path.join(repoRoot, 'dist-web'), backend });
  console.log(`Cellpose Studio is running at ${server.url}`);
  const stop = (): void => {
    Promise.allSettled([server.close(), backend.dispose()]).finally(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e: unknown) => {
    console.error(e instanceof Error ? e.message : String(e));
    process.exit(1);
  });
}
