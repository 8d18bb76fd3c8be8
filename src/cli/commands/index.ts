// The registry of sub-commands. Each command lives in its own file next to this one.
import type { CliCommand } from '../command.ts';
import { infoCommand } from './info.ts';
import { segmentCommand } from './segment.ts';
import { segInfoCommand } from './seg-info.ts';
import { exportCommand } from './export.ts';
import { modelsCommand } from './models.ts';
import { convertCommand } from './convert.ts';
import { masksCommand } from './masks.ts';

export const commands: CliCommand[] = [infoCommand, segmentCommand, segInfoCommand, exportCommand, modelsCommand, convertCommand, masksCommand];
