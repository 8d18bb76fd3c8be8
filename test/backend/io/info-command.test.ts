// `cellpose-studio info`: text and JSON reports on real files, exit code 1 on bad input.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { captureCliIo } from '../../helpers/cli-io.ts';
import { infoCommand } from '../../../src/cli/commands/info.ts';
import { FIXTURES, IMG2D } from '../../core/io/image/helpers.ts';

describe('info command', () => {
  it('reports the real 3-D fixture as 16 Z planes, in text', async () => {
    const c = captureCliIo();
    expect(await infoCommand.run([`${FIXTURES}/cli3d/stack3d.tif`], c.io)).toBe(0);
    expect(c.out).toContain('axes:      ZYX (guess) -> Z=16, 96x96');
    expect(c.out).toContain('range:     0 .. 116');
    expect(c.out).toContain('dtype:     uint8');
  });

  it('--json with an axis override', async () => {
    const c = captureCliIo();
    expect(await infoCommand.run([IMG2D, '--json', '--z_axis', 'none', '--channel_axis=none'], c.io)).toBe(0);
    const j = JSON.parse(c.out[0]) as Record<string, unknown>;
    expect(j).toMatchObject({ format: 'tiff', dtype: 'uint16', rawShape: [512, 512], shapeZYXC: [1, 512, 512, 1], axes: 'YX', axesSource: 'override', min: 0, max: 235 });
  });

  it('bad input: exit code 1 and a message naming the problem', async () => {
    const c = captureCliIo();
    expect(await infoCommand.run(['/no/such/file.tif'], c.io)).toBe(1);
    expect(c.err[0]).toBe('cellpose-studio info: error: /no/such/file.tif: file not found');
    const d = captureCliIo();
    expect(await infoCommand.run([IMG2D, '--z_axis', 'two'], d.io)).toBe(1);
    expect(d.err[0]).toBe(`cellpose-studio info: --z_axis must be an integer axis index or "none", got 'two'`);
    const e = captureCliIo();
    expect(await infoCommand.run([`${FIXTURES}/cli3d/stack3d.tif`, '--z_axis', '5'], e.io)).toBe(1);
    expect(e.err[0]).toMatch(/z axis 5 is out of range for an image with 3 axes/);
  });

  it('a 2-D image ignores --z_axis / --channel_axis, with a warning (Cellpose moves axes only in arrays of more than 2 dims)', async () => {
    const c = captureCliIo();
    expect(await infoCommand.run([IMG2D, '--channel_axis', '-1'], c.io)).toBe(0);
    expect(c.out).toContain('axes:      YX (guess) -> 512x512');
    expect(c.out.join('\n')).toMatch(/image is 2-D \(512 x 512\): the channel axis -1 given is ignored/);
  });

  it('is registered with the CLI entry point (process exit code 1 on a missing file)', () => {
    let status = 0;
    let stderr = '';
    try {
      execFileSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'info', '/no/such/file.tif'], { encoding: 'utf8', stdio: 'pipe' });
    } catch (e) {
      const x = e as { status: number; stderr: string };
      status = x.status;
      stderr = x.stderr;
    }
    expect(status).toBe(1);
    expect(stderr).toContain('/no/such/file.tif: file not found');
  });
});
