// Performance marks from "open requested" to "first paint of that image", read by the e2e tests
// and bench/gui.bench.ts through window.__cellposeStudio.

const OPEN_MARK = 'cellpose:open-start';
const PAINT_MARK = 'cellpose:first-paint';
const MEASURE = 'cellpose:open-to-paint';

let pendingOpen = false;
const openToPaintMs: number[] = [];

export function markOpenStart(): void {
  performance.clearMarks(OPEN_MARK);
  performance.mark(OPEN_MARK);
  pendingOpen = true;
}

/** Called by the canvas after a frame showing a newly opened image has been presented. */
export function markPainted(): void {
  if (!pendingOpen) return;
  pendingOpen = false;
  performance.mark(PAINT_MARK);
  const m = performance.measure(MEASURE, OPEN_MARK, PAINT_MARK);
  openToPaintMs.push(m.duration);
}

/** An open failed: nothing new will be painted for it. */
export function cancelOpenMark(): void {
  pendingOpen = false;
}

export function openTimings(): readonly number[] {
  return openToPaintMs;
}
