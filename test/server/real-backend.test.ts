// startServer with the real backend, driven by a real `ws` client: openImage on a real TIFF
// gives the pixels tifffile reads.
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createBackend } from '../../src/backend/services/backend.ts';
import { startServer, type RunningServer } from '../../src/server/server.ts';
import type { OpenedImage, WireError } from '../../src/shared/contract.ts';
import { decodeMessage, encodeMessage, type WireMessage } from '../../src/shared/wire.ts';
import { sharedPath } from '../helpers/shared-data.ts';

const IMG = sharedPath('data/stardist-dsb2018-sample-2d/img2d.tif');

function call(ws: WebSocket, id: number, method: string, params: unknown): Promise<WireMessage> {
  return new Promise((resolve) => {
    const onMessage = (data: Buffer): void => {
      const m = decodeMessage(new Uint8Array(data));
      if (m.type !== 'event' && m.id === id) {
        ws.off('message', onMessage);
        resolve(m);
      }
    };
    ws.on('message', onMessage);
    ws.send(encodeMessage({ type: 'request', id, method, params }));
  });
}

describe('web server with the real backend', () => {
  let server: RunningServer;
  let ws: WebSocket;
  beforeAll(async () => {
    const home = mkdtempSync(path.join(tmpdir(), 'cps-home-'));
    server = await startServer({ staticDir: path.join(home, 'no-dist'), backend: createBackend({ homeDir: home }) });
    ws = new WebSocket(server.url.replace('http:', 'ws:') + 'ws');
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
  });
  afterAll(async () => {
    ws.close();
    await server.close();
  });

  it('openImage returns img2d.tif as 512x512 uint16 with the pixel values tifffile reads', async () => {
    const ref = JSON.parse(
      execFileSync('/usr/bin/python3', [
        '-c',
        `import json, numpy as np, tifffile; a = tifffile.imread(${JSON.stringify(IMG)}); ` +
          `print(json.dumps({"shape": list(a.shape), "dtype": str(a.dtype), "v": int(a[100, 200]), "v2": int(a[511, 3]), ` +
          `"p": [float(x) for x in np.percentile(a, [1, 99])], "min": int(a.min()), "max": int(a.max())}))`,
      ]).toString(),
    ) as { shape: number[]; dtype: string; v: number; v2: number; p: number[]; min: number; max: number };
    const reply = await call(ws, 1, 'openImage', { path: IMG });
    expect(reply.type).toBe('response');
    const img = (reply as { result: OpenedImage }).result;
    expect([img.height, img.width, img.nZ, img.nChannels]).toEqual([512, 512, 1, 1]);
    expect(ref.shape).toEqual([512, 512]);
    expect(img.dtype).toBe(ref.dtype);
    expect(img.image.shape).toEqual([1, 512, 512, 1]);
    const pixels = new Uint16Array(img.image.data);
    expect(pixels[100 * 512 + 200]).toBe(ref.v);
    expect(pixels[511 * 512 + 3]).toBe(ref.v2);
    expect(img.percentiles).toEqual([ref.p]);
    expect([img.minValue, img.maxValue]).toEqual([ref.min, ref.max]);
    expect(img.path).toBe(IMG);
    expect(img.name).toBe('img2d.tif');
    expect(img.segPath).toBeNull();
  });

  it('a missing file comes back as an error that names the file', async () => {
    const reply = await call(ws, 2, 'openImage', { path: sharedPath('data/nope.tif') });
    expect(reply.type).toBe('error');
    const err = (reply as { error: WireError }).error;
    expect(err.message).toContain(sharedPath('data/nope.tif'));
  });

  it('corrupt dropped bytes come back as an error naming the dropped file and the problem', async () => {
    const bytes = new Uint8Array([0x49, 0x49, 42, 0, 0xff, 0xff, 0xff, 0x7f]).buffer;
    const reply = await call(ws, 3, 'openImageBytes', { name: 'dropped.tif', bytes });
    expect(reply.type).toBe('error');
    expect((reply as { error: WireError }).error.message).toMatch(/^dropped\.tif: /);
  });
});
