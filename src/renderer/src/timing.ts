// Performance marks from "open requested" to "first paint of that image", read by the e2e tests
// and bench/gui.bench.ts through window.__cellposeStudio.

const OPEN_MARK = 'cellpose:open-start';
const PAINT_MARK = 'cellpose:first-paint';
const MEASURE = 'cellpose:open-to-paint';

let pendingOpen = false;
const openToPaintMs: number[] = [];
/** Milliseconds from the open request to each stage of the latest open (response, composed, ...). */
let stages: Record<string, number> = {};

export function markOpenStart(): void {
  performance.clearMarks(OPEN_MARK);
  performance.mark(OPEN_MARK);
  pendingOpen = true;
  stages = {};
}

/** Record how long after the open request a stage of that open finished. */
export function markOpenStage(name: string): void {
  if (!pendingOpen) return;
  const start = performance.getEntriesByName(OPEN_MARK, 'mark')[0];
  if (start) stages[name] = performance.now() - start.startTime;
}

export function openStages(): Record<string, number> {
  return { ...stages };
}

/** Called by the canvas after a frame showing a newly opened image has been presented. */
export function markPainted(): void {
  if (!pendingOpen) return;
  pendingOpen = false;
  performance.mark(PAINT_MARK);
  const m = performance.measure(MEASURE, OPEN_MARK, PAINT_MARK);
  stages.painted = m.duration;
  openToPaintMs.push(m.duration);
}

/** An open failed: nothing new will be painted for it. */
export function cancelOpenMark(): void {
  pendingOpen = false;
}

export function openTimings(): readonly number[] {
  return openToPaintMs;
}
