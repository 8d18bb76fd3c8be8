// Serve the renderer build (dist-web) read-only: known MIME types, no directory traversal,
// no symlinks out of the root, and a strict CSP on every response.
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
};

/** The page's CSP: only our own scripts, no eval, no framing, sockets only back to this server. */
export function contentSecurityPolicy(wsOrigin: string): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    // Vue's scoped styles and Konva set inline styles at runtime.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    `connect-src 'self' ${wsOrigin}`,
    "worker-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

export function mimeTypeOf(file: string): string {
  return MIME[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/** Map a URL path to a file under root, or null when it would leave root or is malformed. */
export function resolveStaticPath(root: string, urlPath: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return null;
  const rel = decoded === '/' || decoded === '' ? 'index.html' : decoded.replace(/^\/+/, '');
  const abs = path.resolve(root, rel);
  if (abs !== root && !abs.startsWith(root + path.sep)) return null;
  return abs;
}

function sendText(res: ServerResponse, status: number, text: string, csp: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Security-Policy': csp, 'X-Content-Type-Options': 'nosniff' });
  res.end(text);
}

/** Answer one HTTP request from the static root. */
export async function serveStatic(rootDir: string, req: IncomingMessage, res: ServerResponse, csp: string): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('Allow', 'GET, HEAD');
    sendText(res, 405, 'method not allowed', csp);
    return;
  }
  const urlPath = (req.url ?? '/').split('?')[0].split('#')[0];
  let root: string;
  try {
    root = await realpath(path.resolve(rootDir));
  } catch {
    sendText(res, 503, `The renderer is not built (${rootDir} is missing): run \`npm run build:web\`.`, csp);
    return;
  }
  const file = resolveStaticPath(root, urlPath);
  if (file === null) {
    sendText(res, 400, 'bad path', csp);
    return;
  }
  let real: string;
  try {
    real = await realpath(file);
    if (!real.startsWith(root + path.sep)) throw new Error('outside root');
    if (!(await stat(real)).isFile()) throw new Error('not a file');
  } catch {
    if (urlPath === '/favicon.ico') {
      // Browsers ask for it unprompted; a 404 would show up as a console error on every load.
      res.writeHead(204, { 'Content-Security-Policy': csp });
      res.end();
      return;
    }
    sendText(res, 404, 'not found', csp);
    return;
  }
  const size = (await stat(real)).size;
  res.writeHead(200, {
    'Content-Type': mimeTypeOf(real),
    'Content-Length': String(size),
    'Content-Security-Policy': csp,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': 'no-cache',
  });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  const stream = createReadStream(real);
  stream.on('error', () => res.destroy());
  stream.pipe(res);
}
