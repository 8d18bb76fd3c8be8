// Coalescing for live controls (threshold slider drags, A.12): at most one call in flight; values
// asked for meanwhile replace each other, and only the latest is sent once the call returns.
// Intermediate values are dropped, never queued, so a fast drag costs two round trips, not twenty.

export interface LatestOnly<T> {
  /** Ask for `value`; resolves when no call is pending any more (the latest value was applied). */
  request(value: T): Promise<void>;
  /** True while a call is in flight. */
  busy(): boolean;
}

export function latestOnly<T>(apply: (value: T) => Promise<unknown>): LatestOnly<T> {
  let inFlight: Promise<void> | null = null;
  let next: { value: T } | null = null;

  async function drain(): Promise<void> {
    try {
      while (next) {
        const { value } = next;
        next = null;
        await apply(value);
      }
    } finally {
      inFlight = null;
    }
  }

  return {
    request(value: T): Promise<void> {
      next = { value };
      if (!inFlight) inFlight = drain();
      return inFlight;
    },
    busy: () => inFlight !== null,
  };
}
