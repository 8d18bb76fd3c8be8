// The few runtime globals the engine needs, typed without the DOM or Node libs so that src/core
// compiles under `lib: ES2022` with no ambient types (DESIGN.md). Every host (Node, Electron's
// renderer, a browser) provides these.

export interface TextDecoderLike {
  decode(input?: Uint8Array): string;
}
export interface TextEncoderLike {
  encode(input?: string): Uint8Array;
}

/** The subset of AbortSignal that core uses: cancel(id) in a host becomes one of these. */
export interface AbortSignalLike {
  readonly aborted: boolean;
  readonly reason?: unknown;
}

interface Globals {
  TextDecoder: new (label?: string, options?: { fatal?: boolean }) => TextDecoderLike;
  TextEncoder: new () => TextEncoderLike;
  performance?: { now(): number };
}

const g = globalThis as unknown as Globals;

export function textDecoder(label = 'utf-8', fatal = false): TextDecoderLike {
  return new g.TextDecoder(label, { fatal });
}

export function utf8Encode(s: string): Uint8Array {
  return new g.TextEncoder().encode(s);
}

export function utf8Decode(b: Uint8Array): string {
  return new g.TextDecoder('utf-8').decode(b);
}

export function latin1Decode(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]);
  return s;
}

export function nowMs(): number {
  return g.performance ? g.performance.now() : Date.now();
}

export class AbortError extends Error {
  constructor(message = 'cancelled') {
    super(message);
    this.name = 'AbortError';
  }
}

/** Throw an AbortError if the signal has fired. Long loops in core call this between batches. */
export function throwIfAborted(signal: AbortSignalLike | undefined): void {
  if (signal?.aborted) throw new AbortError();
}
