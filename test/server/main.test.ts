// `npm run web`'s entry (src/server/main.ts): port from --port / CELLPOSE_STUDIO_PORT, the
// startup line, and a live process answering the contract over /ws.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { parsePort } from '../../src/server/main.ts';
import { decodeMessage, encodeMessage } from '../../src/shared/wire.ts';

describe('server entry', () => {
  it('takes the port from --port, then CELLPOSE_STUDIO_PORT, else 0 (a free port)', () => {
    expect(parsePort(['--port', '8123'], {})).toBe(8123);
    expect(parsePort(['--port=8124'], { CELLPOSE_STUDIO_PORT: '9000' })).toBe(8124);
    expect(parsePort([], { CELLPOSE_STUDIO_PORT: '9000' })).toBe(9000);
    expect(parsePort([], {})).toBe(0);
    expect(() => parsePort(['--port', 'http'], {})).toThrow(/bad port "http"/);
    expect(() => parsePort(['--port', '70000'], {})).toThrow(/bad port/);
  });

  it('prints its URL on 127.0.0.1 and serves the contract until stopped', async () => {
    const home = mkdtempSync(path.join(tmpdir(), 'cps-web-'));
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/server/main.ts'], {
      cwd: path.resolve(__dirname, '..', '..'),
      env: { ...process.env, CELLPOSE_STUDIO_HOME: home, CELLPOSE_STUDIO_PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (b: Buffer) => {
          out += b.toString();
          const m = /Cellpose Studio is running at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
          if (m) resolve(m[1]);
        });
        child.once('exit', (code) => reject(new Error(`server exited (${code}): ${out}`)));
      });
      const ws = new WebSocket(url.replace('http:', 'ws:') + 'ws');
      await new Promise((resolve, reject) => {
        ws.once('open', resolve);
        ws.once('error', reject);
      });
      const reply = await new Promise((resolve) => {
        ws.once('message', (data: Buffer) => resolve(decodeMessage(new Uint8Array(data))));
        ws.send(encodeMessage({ type: 'request', id: 1, method: 'setSettings', params: { lastFolder: home } }));
      });
      expect(reply).toEqual({ type: 'response', id: 1, result: { lastFolder: home } });
      ws.close();
    } finally {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
  });
});
