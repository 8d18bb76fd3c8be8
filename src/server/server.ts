// The browser host: static files of the renderer build + the contract over WebSocket at /ws.
// Bound to loopback only. Because any web page the user visits could open a WebSocket to
// 127.0.0.1, the upgrade is refused unless Origin and Host are this server's own.
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import type { Api, EventSource } from '../shared/contract.ts';
import { contentSecurityPolicy, serveStatic } from './static-files.ts';
import { handleConnection } from './ws-endpoint.ts';

export interface ServerOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  host?: string;
  /** The renderer build, e.g. dist-web. */
  staticDir: string;
  backend: Api & Partial<EventSource>;
  /** Largest accepted frame; a dropped 3D stack can be big. */
  maxPayloadBytes?: number;
}

export interface RunningServer {
  /** http://host:port/ */
  url: string;
  port: number;
  close(): Promise<void>;
}

export const WS_PATH = '/ws';
const DEFAULT_MAX_PAYLOAD_BYTES = 2 ** 30;

function allowedOrigins(host: string, port: number): Set<string> {
  const hosts = host === '127.0.0.1' || host === 'localhost' ? ['127.0.0.1', 'localhost'] : [host];
  return new Set(hosts.map((h) => `${h}:${port}`));
}

/** True when a WebSocket upgrade comes from our own page (or from a non-browser client, which sends no Origin). */
export function isTrustedUpgrade(req: IncomingMessage, host: string, port: number): boolean {
  const allowed = allowedOrigins(host, port);
  if (!req.headers.host || !allowed.has(req.headers.host)) return false;
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  try {
    const u = new URL(origin);
    return u.protocol === 'http:' && allowed.has(u.host);
  } catch {
    return false;
  }
}

export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const host = opts.host ?? '127.0.0.1';
  let port = opts.port ?? 0;
  let csp = contentSecurityPolicy('');
  const http = createServer((req, res) => {
    serveStatic(opts.staticDir, req, res, csp).catch(() => res.destroy());
  });
  const wss = new WebSocketServer({ noServer: true, maxPayload: opts.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES });
  http.on('upgrade', (req, socket, head) => {
    const pathname = (req.url ?? '').split('?')[0];
    if (pathname !== WS_PATH || !isTrustedUpgrade(req, host, port)) {
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => handleConnection(ws, opts.backend));
  });
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(port, host, () => {
      http.off('error', reject);
      resolve();
    });
  });
  port = (http.address() as AddressInfo).port;
  csp = contentSecurityPolicy(`ws://${host}:${port}`);
  const url = `http://${host}:${port}/`;
  return {
    url,
    port,
    close: async () => {
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      http.closeAllConnections();
      await new Promise<void>((resolve, reject) => http.close((e) => (e ? reject(e) : resolve())));
    },
  };
}
