// Errors that name the file and the problem. Codecs work on bytes and do not know the file name;
// hosts pass it as `source` so the message a user sees says which file is bad and why.

export class FormatError extends Error {
  readonly source: string | undefined;
  constructor(message: string, source?: string) {
    super(source ? `${source}: ${message}` : message);
    this.name = 'FormatError';
    this.source = source;
  }
}

/** Re-throw any error from a codec with the file name in front of its message. */
export function withSource<T>(source: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof FormatError && e.source) throw e;
    const msg = e instanceof Error ? e.message : String(e);
    throw new FormatError(msg, source);
  }
}
