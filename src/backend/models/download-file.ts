// Download one model file safely. Cellpose does a plain GET into a temp file and renames it, with
// no checksum and no retry (GUI A.20); here a cut connection is resumed with an HTTP Range request
// after a back-off, the size is checked against Content-Length (and sha256 when known), and only a
// complete, verified file is renamed to its final name. `<dest>.part` is the temp file in the same
// folder (same file system, so the rename is atomic); it survives a network failure so the next
// try resumes, and is deleted on cancel or corruption. Certificate checks stay on (Cellpose turns
// them off).
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, rename, stat, unlink } from 'node:fs/promises';
import * as http from 'node:http';
import * as https from 'node:https';
import { dirname } from 'node:path';

export type DownloadFailure = 'not-found' | 'network' | 'corrupt' | 'cancelled' | 'http' | 'too-large';

export class ModelDownloadError extends Error {
  override name = 'ModelDownloadError';
  constructor(
    message: string,
    readonly url: string,
    readonly dest: string,
    readonly failure: DownloadFailure,
  ) {
    super(message);
  }
}

export type DownloadProgress = (receivedBytes: number, totalBytes: number | null) => void;

export interface DownloadOptions {
  onProgress?: DownloadProgress;
  signal?: AbortSignal;
  /** Lower-case hex; checked over the whole file before the rename. */
  sha256?: string;
  /** Known size; a different Content-Length or final size is an error. */
  expectedBytes?: number;
  /** Extra attempts after a network failure (default 4). */
  retries?: number;
  /** First back-off; doubles per attempt (default 500 ms). */
  backoffMs?: number;
  /** Socket idle timeout (default 30 s). */
  idleTimeoutMs?: number;
  /** Refuse a declared size above this (default 2 GiB; a CPnet is 26.5 MB). */
  maxBytes?: number;
}

const DEFAULTS = { retries: 4, backoffMs: 500, idleTimeoutMs: 30_000, maxBytes: 2 ** 31 };
const MAX_REDIRECTS = 5;

/** An error that ends the download without more attempts. */
class Fatal extends Error {
  constructor(
    message: string,
    readonly failure: DownloadFailure,
  ) {
    super(message);
  }
}

interface AttemptResult {
  /** Bytes in the .part file after this attempt. */
  haveBytes: number;
  totalBytes: number | null;
  /** The body ended cleanly (not cut). */
  ended: boolean;
}

async function fileSize(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

function parseContentRange(v: string | undefined): { first: number; total: number | null } | null {
  const m = v ? /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(v.trim()) : null;
  if (!m) return null;
  return { first: Number(m[1]), total: m[3] === '*' ? null : Number(m[3]) };
}

function get(url: URL, headers: Record<string, string>, signal: AbortSignal, idleTimeoutMs: number): Promise<http.IncomingMessage> {
  const mod = url.protocol === 'https:' ? https : url.protocol === 'http:' ? http : null;
  if (!mod) return Promise.reject(new Fatal(`unsupported URL scheme '${url.protocol}'`, 'http'));
  return new Promise((resolve, reject) => {
    const req = mod.get(url, { headers, signal }, resolve);
    req.setTimeout(idleTimeoutMs, () => req.destroy(new Error(`no data for ${idleTimeoutMs} ms`)));
    req.on('error', (e: NodeJS.ErrnoException) => {
      // An unknown host name will not resolve on a retry a second later (offline machine).
      reject(e.code === 'ENOTFOUND' ? new Fatal(e.message, 'network') : e);
    });
  });
}

/** One GET (following redirects) that appends to the .part file from `start`. */
async function attemptOnce(url: string, part: string, start: number, opts: Required<Omit<DownloadOptions, 'onProgress' | 'signal' | 'sha256' | 'expectedBytes'>> & DownloadOptions, signal: AbortSignal): Promise<AttemptResult> {
  let target = new URL(url);
  let res: http.IncomingMessage | undefined;
  for (let hop = 0; ; hop++) {
    res = await get(target, start > 0 ? { Range: `bytes=${start}-` } : {}, signal, opts.idleTimeoutMs);
    const status = res.statusCode ?? 0;
    if (status >= 300 && status < 400 && res.headers.location) {
      res.resume();
      if (hop >= MAX_REDIRECTS) throw new Fatal(`too many redirects`, 'http');
      target = new URL(res.headers.location, target);
      continue;
    }
    break;
  }
  const status = res.statusCode ?? 0;
  if (status === 404 || status === 410) {
    res.resume();
    throw new Fatal(`the server has no such file (HTTP ${status})`, 'not-found');
  }
  if (status === 416) {
    // Our .part is longer than the file: it cannot be resumed. Start over.
    res.resume();
    await unlink(part).catch(() => undefined);
    return { haveBytes: 0, totalBytes: null, ended: false };
  }
  if (status >= 500 || status === 429 || status === 408) {
    res.resume();
    throw new Error(`HTTP ${status}`);
  }
  if (status !== 200 && status !== 206) {
    res.resume();
    throw new Fatal(`HTTP ${status}`, 'http');
  }
  let offset = start;
  let totalBytes: number | null;
  const length = res.headers['content-length'] !== undefined ? Number(res.headers['content-length']) : null;
  if (status === 206) {
    const range = parseContentRange(res.headers['content-range']);
    if (!range || range.first !== start) {
      res.resume();
      await unlink(part).catch(() => undefined);
      throw new Error(`server answered the range request with '${res.headers['content-range'] ?? 'no Content-Range'}'`);
    }
    totalBytes = range.total ?? (length !== null ? start + length : null);
  } else {
    // A plain 200 is the whole file, even if we asked for a range: restart the .part.
    offset = 0;
    totalBytes = length;
  }
  if (totalBytes !== null && (!Number.isSafeInteger(totalBytes) || totalBytes < 0)) {
    res.resume();
    throw new Fatal(`the server declared an invalid size`, 'corrupt');
  }
  if (totalBytes !== null && totalBytes > opts.maxBytes) {
    res.resume();
    throw new Fatal(`the server declared ${totalBytes} bytes, more than the ${opts.maxBytes}-byte limit`, 'too-large');
  }
  if (totalBytes !== null && opts.expectedBytes !== undefined && totalBytes !== opts.expectedBytes) {
    res.resume();
    throw new Fatal(`the server declared ${totalBytes} bytes, expected ${opts.expectedBytes}`, 'corrupt');
  }
  let received = offset;
  const limit = totalBytes ?? opts.maxBytes;
  // Chunks are taken in flowing mode ('data' events) and appended in order. An async iterator would
  // throw on a cut connection before yielding chunks already received, losing them for the resume.
  // The listener is attached before the first await, so no chunk can arrive unobserved.
  const fileOpen = open(part, offset > 0 ? 'a' : 'w');
  let writes: Promise<void> = fileOpen.then(() => undefined);
  let failure: unknown = null;
  let ended: boolean;
  try {
    ended = await new Promise<boolean>((resolveEnd) => {
      res.on('data', (chunk: Buffer) => {
        if (failure !== null) return;
        received += chunk.length;
        if (received > limit) {
          failure = new Fatal(`the server sent more than ${limit} bytes`, totalBytes === null ? 'too-large' : 'corrupt');
          res.destroy();
          return;
        }
        const at = received;
        writes = writes
          .then(async () => {
            if (failure !== null) return;
            await (await fileOpen).write(chunk);
            opts.onProgress?.(at, totalBytes);
          })
          .catch((e: unknown) => {
            failure = e;
            res.destroy();
          });
      });
      res.on('error', () => undefined); // reported through 'close' + res.complete
      res.on('close', () => resolveEnd(res.complete));
    });
    await writes;
  } finally {
    await (await fileOpen).close();
  }
  if (failure !== null) throw failure instanceof Error ? failure : new Error(String(failure));
  if (signal.aborted) throw new Error('aborted');
  return { haveBytes: await fileSize(part), totalBytes, ended };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new Error('aborted'));
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(t);
      reject(new Error('aborted'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function offlineHint(url: string, dest: string): string {
  return `If this machine is offline, download ${url} elsewhere and save it as ${dest} (folder ${dirname(dest)}).`;
}

/** Download `url` to `dest` (resumable, verified, atomic). Rejects with ModelDownloadError. */
export async function downloadFile(url: string, dest: string, options: DownloadOptions = {}): Promise<void> {
  const opts = { ...DEFAULTS, ...options };
  const signal = options.signal ?? new AbortController().signal;
  const part = `${dest}.part`;
  const fail = async (message: string, failure: DownloadFailure, keepPart: boolean): Promise<never> => {
    if (!keepPart) await unlink(part).catch(() => undefined);
    throw new ModelDownloadError(message, url, dest, failure);
  };
  let lastError = 'unknown error';
  let result: AttemptResult | null = null;
  for (let attempt = 0; ; attempt++) {
    if (signal.aborted) return fail(`download of ${url} was cancelled`, 'cancelled', false);
    const start = await fileSize(part);
    try {
      const r = await attemptOnce(url, part, start, opts, signal);
      if (r.totalBytes !== null && r.haveBytes === r.totalBytes && r.ended) {
        result = r;
        break;
      }
      if (r.totalBytes === null && r.ended) {
        // No declared size: a clean end of the body is all we can check.
        result = r;
        break;
      }
      if (r.totalBytes !== null && r.haveBytes > r.totalBytes) {
        return fail(`download of ${url} is larger than the declared ${r.totalBytes} bytes`, 'corrupt', false);
      }
      lastError = `connection closed after ${r.haveBytes} of ${r.totalBytes ?? '?'} bytes`;
    } catch (e) {
      if (signal.aborted) return fail(`download of ${url} was cancelled`, 'cancelled', false);
      if (e instanceof Fatal) {
        const hint = e.failure === 'not-found' || e.failure === 'network' ? ` ${offlineHint(url, dest)}` : '';
        return fail(`could not download ${url}: ${e.message}.${hint}`, e.failure, e.failure === 'network');
      }
      lastError = e instanceof Error ? e.message : String(e);
    }
    if (attempt >= opts.retries) {
      return fail(`could not download ${url} after ${attempt + 1} attempts (${lastError}). ${offlineHint(url, dest)}`, 'network', true);
    }
    try {
      await sleep(opts.backoffMs * 2 ** attempt, signal);
    } catch {
      return fail(`download of ${url} was cancelled`, 'cancelled', false);
    }
  }
  if (opts.expectedBytes !== undefined && result.haveBytes !== opts.expectedBytes) {
    return fail(`download of ${url} has ${result.haveBytes} bytes, expected ${opts.expectedBytes}`, 'corrupt', false);
  }
  if (opts.sha256 !== undefined) {
    const got = await sha256File(part);
    if (got !== opts.sha256.toLowerCase()) {
      return fail(`download of ${url} is corrupt: sha256 ${got}, expected ${opts.sha256}`, 'corrupt', false);
    }
  }
  await rename(part, dest);
}
