// The registry of sub-commands. Each command lives in its own file next to this one.
import type { CliCommand } from '../command.ts';
import { infoCommand } from './info.ts';
import { segmentCommand } from './segment.ts';

export const commands: CliCommand[] = [infoCommand, segmentCommand];
