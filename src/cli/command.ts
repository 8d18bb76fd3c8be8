// One CLI sub-command: its name, a one-line summary for `--help`, and its run function.
export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
  /** Progress on stderr; a no-op when stderr is not a terminal. */
  progress: (fraction: number, stage: string) => void;
}

export interface CliCommand {
  name: string;
  summary: string;
  usage: string;
  run(argv: string[], io: CliIo): Promise<number>;
}
