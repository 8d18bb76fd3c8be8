// A real HTTP server on 127.0.0.1 (random port) standing in for www.cellpose.org/models: it serves
// files from memory, honours `Range: bytes=N-`, counts requests per path, and can misbehave on
// purpose (cut the connection mid-body once, answer slowly, lie about the size).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ServedFile {
  bytes: Uint8Array;
  /** Destroy the socket after this many body bytes, on the first `cutTimes` requests. */
  cutAfterBytes?: number;
  cutTimes?: number;
  /** Wait before answering (ms). */
  delayMs?: number;
  /** Declare this Content-Length instead of the real one (then end the body early). */
  declaredLength?: number;
  /** Send the body in this many chunks, one per event-loop turn (for cancel tests). */
  chunks?: number;
}

export interface TestModelServer {
  baseUrl: string;
  files: Map<string, ServedFile>;
  /** Requests per path (e.g. '/cyto3'), including Range requests. */
  requests: Map<string, number>;
  /** The Range header of each request, per path ('' when none). */
  ranges: Map<string, string[]>;
  close(): Promise<void>;
}

function sendBody(res: ServerResponse, body: Uint8Array, file: ServedFile, cut: boolean): void {
  if (cut && file.cutAfterBytes !== undefined) {
    res.write(Buffer.from(body.subarray(0, file.cutAfterBytes)), () => {
      res.socket?.destroy();
    });
    return;
  }
  const n = Math.max(1, file.chunks ?? 1);
  if (n === 1) {
    res.end(Buffer.from(body));
    return;
  }
  const size = Math.ceil(body.length / n);
  let i = 0;
  const next = (): void => {
    if (res.destroyed) return;
    if (i >= body.length) {
      res.end();
      return;
    }
    res.write(Buffer.from(body.subarray(i, i + size)));
    i += size;
    setTimeout(next, 5);
  };
  next();
}

export async function startModelServer(): Promise<TestModelServer> {
  const files = new Map<string, ServedFile>();
  const requests = new Map<string, number>();
  const ranges = new Map<string, string[]>();
  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const count = (requests.get(path) ?? 0) + 1;
    requests.set(path, count);
    const range = req.headers.range ?? '';
    ranges.set(path, [...(ranges.get(path) ?? []), range]);
    const file = files.get(path);
    if (!file) {
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end('not found');
      return;
    }
    const answer = (): void => {
      const cut = file.cutAfterBytes !== undefined && count <= (file.cutTimes ?? 1);
      const m = /^bytes=(\d+)-$/.exec(range);
      const total = file.bytes.length;
      if (m) {
        const start = Number(m[1]);
        if (start >= total) {
          res.writeHead(416, { 'Content-Range': `bytes */${total}` });
          res.end();
          return;
        }
        res.writeHead(206, { 'Content-Length': String(total - start), 'Content-Range': `bytes ${start}-${total - 1}/${total}` });
        sendBody(res, file.bytes.subarray(start), file, cut);
        return;
      }
      if (file.declaredLength !== undefined) {
        res.writeHead(200, { 'Content-Length': String(file.declaredLength) });
        res.write(Buffer.from(file.bytes), () => res.socket?.destroy());
        return;
      }
      res.writeHead(200, { 'Content-Length': String(total) });
      sendBody(res, file.bytes, file, cut);
    };
    if (file.delayMs) setTimeout(answer, file.delayMs);
    else answer();
  };
  const server: Server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    baseUrl: `http://127.0.0.1:${port}/models`,
    files,
    requests,
    ranges,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A port nothing listens on: bind one, then close it. */
export async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/models`;
}
