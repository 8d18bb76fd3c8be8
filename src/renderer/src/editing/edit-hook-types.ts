// The shape of window.__cellposeEditing, read by the editing e2e tests and bench/gui-editing
// (kept free of DOM types so node-side code can import it).

export interface EditingTestHook {
  /** Label at (x, y) on plane z (default: the current plane); -1 without masks. */
  labelAt(x: number, y: number, z?: number): number;
  count(): number;
  selected(): number;
  undoDepth(): number;
  /** ismanual per id 1..N. */
  ismanual(): boolean[];
  /** Checksums of the (Z, Y, X) labels: sum, non-zero count, and sum of label * (flat index % 7919). */
  labelsDigest(): { sum: number; nonzero: number; weighted: number };
  /** Non-background pixels the ortho views show (xz, yz), and where the crosshair is. */
  ortho(): { xzMaskPx: number; yzMaskPx: number; x: number; y: number } | null;
  /** Durations (ms) recorded per edit kind: trace, stroke, stroke-end, undo, redo, delete, replace, repaint. */
  timings(): Record<string, number[]>;
  /** Dirty-rectangle repaint times (ms). */
  repaintMs(): number[];
  /** Pixels where the cached overlay layers differ from a fresh compose (both 0 when repaints are exact); null without masks. */
  overlayStalePx(): { fills: number; outlines: number } | null;
  saves(): number;
  dirty(): boolean;
  message(): string | null;
}
