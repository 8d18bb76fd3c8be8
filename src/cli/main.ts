// `cellpose-studio <command> [flags]`: the command line host of the engine.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { arch, platform } from 'node:os';
import { commands } from './commands/index.ts';
import type { CliIo } from './command.ts';

function makeIo(): CliIo {
  const tty = process.stderr.isTTY === true;
  let last = '';
  return {
    out: (line) => process.stdout.write(line + '\n'),
    err: (line) => process.stderr.write(line + '\n'),
    progress: (fraction, stage) => {
      if (!tty) return;
      const width = 30;
      const filled = Math.round(Math.max(0, Math.min(1, fraction)) * width);
      const bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}% ${stage}`;
      if (bar !== last) process.stderr.write('\r' + bar.padEnd(70));
      last = bar;
      if (fraction >= 1) process.stderr.write('\n');
    },
  };
}

function usage(io: CliIo): void {
  io.out('usage: cellpose-studio <command> [options]\n\ncommands:');
  for (const c of commands) io.out(`  ${c.name.padEnd(10)} ${c.summary}`);
  io.out('\nRun `cellpose-studio <command> --help` for the options of one command, `cellpose-studio --version` for the versions.');
}

/** The `version` field of a package.json, or 'unknown' when it cannot be read. */
function packageVersion(read: () => string): string {
  try {
    const v: unknown = (JSON.parse(read()) as { version?: unknown }).version;
    return typeof v === 'string' ? v : 'unknown';
  } catch {
    return 'unknown';
  }
}

/** What `python -m cellpose --version` prints, for this program: its own version, then the
 *  platform and the runtimes the engine runs on (Node instead of Python, onnxruntime-node instead
 *  of torch). Both the TypeScript entry (src/cli) and the bundle (out/cli) sit two folders below
 *  the package root. */
export function versionLines(): string[] {
  const app = packageVersion(() => readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
  const require = createRequire(import.meta.url);
  const ort = packageVersion(() => readFileSync(require.resolve('onnxruntime-node/package.json'), 'utf8'));
  return [`cellpose-studio version: \t${app}`, `platform:       \t${platform()} ${arch()}`, `node version:   \t${process.versions.node}`, `onnxruntime-node version: \t${ort}`];
}

export async function main(argv: string[]): Promise<number> {
  const io = makeIo();
  const [name, ...rest] = argv;
  if (name === '--version' || name === 'version') {
    for (const line of versionLines()) io.out(line);
    return 0;
  }
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    usage(io);
    return name ? 0 : 1;
  }
  const cmd = commands.find((c) => c.name === name);
  if (!cmd) {
    io.err(`cellpose-studio: unknown command '${name}'`);
    usage(io);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(cmd.usage);
    return 0;
  }
  try {
    return await cmd.run(rest, io);
  } catch (e) {
    io.err(`cellpose-studio ${name}: error: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
}

const isEntry = process.argv[1] !== undefined && /cli[\\/]main\.(ts|js|mjs)$/.test(process.argv[1]);
if (isEntry || process.env.CELLPOSE_STUDIO_CLI === '1') {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(String(e) + '\n');
      process.exitCode = 1;
    },
  );
}
