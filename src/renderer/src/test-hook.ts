// A small read-only hook for the end-to-end tests and the GUI benchmark: where a pixel is on screen,
// and how long opens took to paint. It changes nothing in the app.
import { openStages, openTimings } from './timing.ts';
import type { StudioTestHook } from './test-hook-types.ts';

declare global {
  interface Window {
    __cellposeStudio?: StudioTestHook;
  }
}

let toScreen: StudioTestHook['imageToScreen'] = () => null;
let paints = 0;

export function setImageToScreen(fn: StudioTestHook['imageToScreen']): void {
  toScreen = fn;
}

export function countPaint(): void {
  paints++;
}

export function installTestHook(): void {
  window.__cellposeStudio = Object.freeze({
    imageToScreen: (x: number, y: number) => toScreen(x, y),
    openToPaintMs: () => openTimings().slice(),
    openStages: () => openStages(),
    paintCount: () => paints,
  });
}
