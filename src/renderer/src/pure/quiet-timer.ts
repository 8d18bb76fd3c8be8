// "Do it once things have been quiet for a while": schedule() (re)starts the wait, flush() runs the
// action at once instead, cancel() drops a waiting run. The edit store uses it for autosave, for
// journalling model steps and for taking a slider's live masks into the undo history.

export interface QuietTimer {
  /** Runs the action `quietMs` after the last schedule(). */
  schedule(): void;
  /** Runs the action now (whether or not a run was waiting) and drops the waiting one. */
  flush(): void;
  /** Drops a waiting run. */
  cancel(): void;
}

export function quietTimer(action: () => void, quietMs: number): QuietTimer {
  let timer: ReturnType<typeof setTimeout> | null = null;
  const cancel = (): void => {
    if (timer) clearTimeout(timer);
    timer = null;
  };
  return {
    schedule() {
      cancel();
      timer = setTimeout(() => {
        timer = null;
        action();
      }, quietMs);
    },
    flush() {
      cancel();
      action();
    },
    cancel,
  };
}
