// The WebSocket + static host against a stub backend: routing, errors, events, static files, origin checks.
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Api, EventListener, EventName, EventSource, Events } from '../../src/shared/contract.ts';
import { startServer, type RunningServer } from '../../src/server/server.ts';
import { decodeMessage, encodeMessage, type WireMessage } from '../../src/shared/wire.ts';

const cancelledJobs: string[] = [];
let releaseSegment: (() => void) | null = null;

function stubBackend(): Api & EventSource & { emit<E extends EventName>(e: E, p: Events[E]): void } {
  const listeners = new Map<EventName, Set<(p: unknown) => void>>();
  const notImplemented = async (): Promise<never> => {
    throw Object.assign(new Error('stub: not here'), { name: 'NotAvailableError' });
  };
  return {
    openImage: notImplemented,
    openImageBytes: async (req) => ({
      path: '',
      name: req.name,
      image: { dtype: 'uint8', shape: [1, 1, req.bytes.byteLength, 1], data: req.bytes },
      nZ: 1,
      height: 1,
      width: req.bytes.byteLength,
      nChannels: 1,
      dtype: 'uint8',
      assignment: { rawShape: [1, req.bytes.byteLength], axes: ['Y', 'X'], source: 'guess', ambiguous: false, description: '' },
      minValue: 0,
      maxValue: 0,
      percentiles: [[0, 0]],
      warnings: [],
      segPath: null,
    }),
    browse: notImplemented,
    neighbourImage: notImplemented,
    // A segmentation that runs until it is cancelled.
    segment: (req) =>
      new Promise((_resolve, reject) => {
        releaseSegment = () => reject(Object.assign(new Error(`job ${req.jobId} was cancelled`), { name: 'AbortError' }));
      }),
    cancel: async (req) => {
      cancelledJobs.push(req.jobId);
      if (releaseSegment) releaseSegment();
      return { cancelled: req.jobId === 'j1' };
    },
    recomputeMasks: notImplemented,
    calibrate: notImplemented,
    gpuStatus: notImplemented,
    saveSeg: notImplemented,
    loadSeg: notImplemented,
    loadMasks: notImplemented,
    exportResults: notImplemented,
    listModels: notImplemented,
    importModel: notImplemented,
    getSettings: async () => ({ a: 1 }),
    setSettings: async (s) => s,
    journalOpen: notImplemented,
    journalAppend: notImplemented,
    journalSaved: notImplemented,
    journalDiscard: notImplemented,
    subscribe<E extends EventName>(event: E, listener: EventListener<E>) {
      const set = listeners.get(event) ?? new Set();
      listeners.set(event, set);
      const l = listener as (p: unknown) => void;
      set.add(l);
      return () => set.delete(l);
    },
    emit(e, p) {
      listeners.get(e)?.forEach((l) => l(p));
    },
  };
}

class Client {
  private nextId = 1;
  private pending = new Map<number, (m: WireMessage) => void>();
  readonly events: WireMessage[] = [];
  constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => {
      const m = decodeMessage(new Uint8Array(data));
      if (m.type === 'event') this.events.push(m);
      else this.pending.get(m.id)?.(m);
    });
  }
  static async connect(url: string, headers?: Record<string, string>): Promise<Client> {
    const ws = new WebSocket(url, { headers });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return new Client(ws);
  }
  call(method: string, params: unknown): Promise<WireMessage> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.ws.send(encodeMessage({ type: 'request', id, method, params }));
    });
  }
}

describe('startServer', () => {
  let server: RunningServer;
  let backend: ReturnType<typeof stubBackend>;
  let wsUrl: string;
  beforeAll(async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'cps-static-'));
    mkdirSync(path.join(root, 'assets'));
    writeFileSync(path.join(root, 'index.html'), '<!doctype html><title>t</title>');
    writeFileSync(path.join(root, 'assets', 'app.js'), 'console.log(1)');
    writeFileSync(path.join(root, '..', path.basename(root) + '-secret.txt'), 'secret');
    backend = stubBackend();
    server = await startServer({ port: 0, staticDir: root, backend });
    wsUrl = server.url.replace('http:', 'ws:') + 'ws';
  });
  afterAll(async () => {
    await server.close();
  });

  it('binds to 127.0.0.1 on a free port', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(server.port).toBeGreaterThan(0);
  });

  it('serves index.html and assets with MIME types and a CSP, and refuses traversal', async () => {
    const index = await fetch(server.url);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(index.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(index.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    const js = await fetch(server.url + 'assets/app.js');
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await js.text()).toBe('console.log(1)');
    expect((await fetch(server.url + 'missing.js')).status).toBe(404);
    // No console error for the favicon browsers request on their own.
    expect((await fetch(server.url + 'favicon.ico')).status).toBe(204);
    const base = path.basename(new URL(server.url).pathname);
    for (const p of ['%2e%2e/' + base + '-secret.txt', '..%2f..%2fetc%2fpasswd', '%2e%2e%5c%2e%2e%5cetc', 'assets/%00x']) {
      const r = await fetch(server.url + p);
      expect([400, 404]).toContain(r.status);
      expect(await r.text()).not.toContain('secret');
    }
    expect((await fetch(server.url, { method: 'POST' })).status).toBe(405);
  });

  it('routes contract methods with binary buffers both ways and answers out-of-order by id', async () => {
    const c = await Client.connect(wsUrl);
    const bytes = new Uint8Array([5, 6, 7]).buffer;
    const [opened, cancelled, settings] = await Promise.all([
      c.call('openImageBytes', { name: 'x.png', bytes }),
      c.call('cancel', { jobId: 'j1' }),
      c.call('setSettings', { lastFolder: '/data', nested: { k: [1, 2] } }),
    ]);
    expect(opened.type).toBe('response');
    const img = (opened as { result: { name: string; image: { data: ArrayBuffer } } }).result;
    expect(img.name).toBe('x.png');
    expect([...new Uint8Array(img.image.data)]).toEqual([5, 6, 7]);
    expect(cancelled).toEqual({ type: 'response', id: 2, result: { cancelled: true } });
    expect(settings).toEqual({ type: 'response', id: 3, result: { lastFolder: '/data', nested: { k: [1, 2] } } });
    c.ws.close();
  });

  it('answers unknown methods and backend failures with {name, message}', async () => {
    const c = await Client.connect(wsUrl);
    const unknown = await c.call('constructor', {});
    expect(unknown.type).toBe('error');
    expect((unknown as { error: { name: string; message: string } }).error.name).toBe('UnknownMethodError');
    const proto = await c.call('__proto__', {});
    expect((proto as { error: { message: string } }).error.message).toMatch(/unknown method/);
    const failing = await c.call('openImage', { path: '/x.tif' });
    expect(failing).toEqual({ type: 'error', id: 3, error: { name: 'NotAvailableError', message: 'stub: not here' } });
    c.ws.close();
  });

  it('pushes backend events to connected clients', async () => {
    const c = await Client.connect(wsUrl);
    backend.emit('onProgress', { jobId: 'j', fraction: 0.25, stage: 'network', etaMs: 100 });
    backend.emit('onLog', { level: 'info', message: 'hello' });
    await new Promise((r) => setTimeout(r, 100));
    expect(c.events).toEqual([
      { type: 'event', event: 'onProgress', payload: { jobId: 'j', fraction: 0.25, stage: 'network', etaMs: 100 } },
      { type: 'event', event: 'onLog', payload: { level: 'info', message: 'hello' } },
    ]);
    c.ws.close();
  });

  it('refuses sockets opened from a foreign web page (Origin) and other paths', async () => {
    await expect(Client.connect(wsUrl, { Origin: 'http://evil.example' })).rejects.toThrow(/403/);
    await expect(Client.connect(wsUrl.replace('/ws', '/other'))).rejects.toThrow(/403/);
    const ok = await Client.connect(wsUrl, { Origin: server.url.slice(0, -1) });
    ok.ws.close();
  });

  it('cancels the jobs of a client that goes away', async () => {
    const c = await Client.connect(wsUrl);
    void c.call('segment', { jobId: 'orphan', imagePath: '/x.tif' });
    await new Promise((r) => setTimeout(r, 50));
    expect(cancelledJobs).not.toContain('orphan');
    c.ws.close();
    await new Promise((r) => setTimeout(r, 100));
    expect(cancelledJobs).toContain('orphan');
  });

  it('closes the connection on a corrupt frame instead of crashing', async () => {
    const c = await Client.connect(wsUrl);
    const closed = new Promise<number>((resolve) => c.ws.once('close', (code) => resolve(code)));
    c.ws.send(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9]));
    expect(await closed).toBe(1007);
    const again = await Client.connect(wsUrl);
    expect(await again.call('getSettings', {})).toEqual({ type: 'response', id: 1, result: { a: 1 } });
    again.ws.close();
  });
});
