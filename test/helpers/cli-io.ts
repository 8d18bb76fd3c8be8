// A CliIo that records what a command prints, for tests of the CLI commands.
import type { CliIo } from '../../src/cli/command.ts';

export function captureCliIo(): { io: CliIo; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (l) => out.push(l), err: (l) => err.push(l), progress: () => undefined }, out, err };
}
