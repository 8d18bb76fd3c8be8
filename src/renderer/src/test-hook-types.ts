// The shape of window.__cellposeStudio (kept free of DOM types so node-side tests can import it).

export interface StudioTestHook {
  /** Client (page) coordinates of the centre of image pixel (x, y); null with no image. */
  imageToScreen(x: number, y: number): { x: number; y: number } | null;
  /** Milliseconds from each open request to the first paint of its image, oldest first. */
  openToPaintMs(): readonly number[];
  /** Stages of the latest open, in ms after its request: response, decoded, composed, painted. */
  openStages(): Record<string, number>;
  /** Number of completed paints (any redraw), to wait for a redraw after a setting change. */
  paintCount(): number;
}
