// Errors as the user sees them: every failure about a file names the file (DESIGN.md).
import path from 'node:path';

/** A contract method whose implementation has not landed yet. Never a fake result. */
export class NotAvailableError extends Error {
  constructor(method: string, detail = 'not available yet in this build') {
    super(`${method}: ${detail}`);
    this.name = 'NotAvailableError';
  }
}

/** A request that is malformed (missing field, wrong type). */
export class BadRequestError extends Error {
  constructor(method: string, problem: string) {
    super(`${method}: ${problem}`);
    this.name = 'BadRequestError';
  }
}

/** Run fn; any error it throws gets `file` in front of its message unless it already names it. */
export async function namingFile<T>(file: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    if (!err.message.includes(file) && !err.message.includes(path.basename(file))) {
      err.message = `${file}: ${err.message}`;
    }
    if (err.name === 'Error' && (err as NodeJS.ErrnoException).code === 'ENOENT') err.name = 'FileNotFoundError';
    // Crosses the transport as WireError.data, so the renderer can tell which file failed.
    const withData = err as Error & { data?: unknown };
    if (withData.data === undefined) withData.data = { path: file };
    throw err;
  }
}

export function requireString(method: string, req: unknown, key: string): string {
  const v = req !== null && typeof req === 'object' ? (req as Record<string, unknown>)[key] : undefined;
  if (typeof v !== 'string' || v.length === 0) throw new BadRequestError(method, `"${key}" must be a non-empty string`);
  if (v.includes('\0')) throw new BadRequestError(method, `"${key}" contains a NUL byte`);
  return v;
}
