// A small read-only hook for the end-to-end tests and the GUI benchmark: where a pixel is on screen,
// and how long opens took to paint. It changes nothing in the app.
import { openTimings } from './timing.ts';

export interface StudioTestHook {
  /** Client (page) coordinates of the centre of image pixel (x, y); null with no image. */
  imageToScreen(x: number, y: number): { x: number; y: number } | null;
  /** Milliseconds from each open request to the first paint of its image, oldest first. */
  openToPaintMs(): readonly number[];
  /** Number of completed paints (any redraw), to wait for a redraw after a setting change. */
  paintCount(): number;
}

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
    paintCount: () => paints,
  });
}
