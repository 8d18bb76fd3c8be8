// Two requests for the same file share one download: the second caller joins the first one's
// transfer (and gets its progress) instead of starting a second GET that would race on the same
// .part file. The transfer is cancelled only when every caller has cancelled.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { downloadFile, ModelDownloadError, type DownloadOptions, type DownloadProgress } from './download-file.ts';

interface SharedJob {
  done: Promise<void>;
  listeners: Set<DownloadProgress>;
  controller: AbortController;
  waiting: number;
}

const inflight = new Map<string, SharedJob>();

/** Number of transfers running now (for tests and the status line). */
export function downloadsInFlight(): number {
  return inflight.size;
}

export function downloadShared(url: string, dest: string, options: DownloadOptions = {}): Promise<void> {
  const key = resolve(dest);
  let job = inflight.get(key);
  // A caller that checked for the file just before another caller's transfer finished: the file
  // is there now, so there is nothing to fetch.
  if (!job && existsSync(key)) return Promise.resolve();
  if (!job) {
    const controller = new AbortController();
    const listeners = new Set<DownloadProgress>();
    const created: SharedJob = {
      listeners,
      controller,
      waiting: 0,
      done: downloadFile(url, dest, {
        ...options,
        signal: controller.signal,
        onProgress: (got, total) => {
          for (const l of listeners) l(got, total);
        },
      }).finally(() => inflight.delete(key)),
    };
    // Every caller attaches its own handlers below; this one only keeps an unobserved rejection
    // (all callers cancelled) from being reported as unhandled.
    created.done.catch(() => undefined);
    inflight.set(key, created);
    job = created;
  }
  const shared = job;
  shared.waiting++;
  const onProgress = options.onProgress;
  if (onProgress) shared.listeners.add(onProgress);
  const signal = options.signal;
  return new Promise<void>((resolvePromise, reject) => {
    let settled = false;
    const leave = (): void => {
      if (onProgress) shared.listeners.delete(onProgress);
      signal?.removeEventListener('abort', onAbort);
    };
    const onAbort = (): void => {
      if (settled) return;
      settled = true;
      leave();
      shared.waiting--;
      if (shared.waiting === 0) shared.controller.abort();
      reject(new ModelDownloadError(`download of ${url} was cancelled`, url, dest, 'cancelled'));
    };
    if (signal?.aborted) {
      onAbort();
      return;
    }
    signal?.addEventListener('abort', onAbort, { once: true });
    shared.done.then(
      () => {
        if (settled) return;
        settled = true;
        leave();
        shared.waiting--;
        resolvePromise();
      },
      (e: unknown) => {
        if (settled) return;
        settled = true;
        leave();
        shared.waiting--;
        reject(e);
      },
    );
  });
}
