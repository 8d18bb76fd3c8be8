// Cellpose's trace gesture (GUI_AND_FORMATS A.6): a right-click (or Shift+left-click) starts a
// stroke, moving without buttons records vertices, and the stroke closes by itself when the cursor
// comes back near the start: once it has been farther than max(6, 3*brush) px, coming back within
// max(3, 1.8*brush) px ends it (checked only after at least 4 recorded points). Pure; pixels.

export type TraceStatus = 'drawing' | 'closed';

export interface TraceStart {
  x: number;
  y: number;
  brushPx: number;
}

export class TraceRecorder {
  readonly points: Array<[number, number]> = [];
  private wentFar = false;
  private readonly farPx: number;
  private readonly nearPx: number;

  constructor(readonly start: TraceStart) {
    this.farPx = Math.max(6, 3 * start.brushPx);
    this.nearPx = Math.max(3, 1.8 * start.brushPx);
    this.points.push([start.x, start.y]);
  }

  /** The radius of the start circle drawn on screen (the closing distance), in image pixels. */
  get closeRadiusPx(): number {
    return this.nearPx;
  }

  /**
   * Records a cursor position (image pixels). Cellpose records the centre pixel of each brush
   * stamp, so repeated positions on the same pixel are one vertex.
   */
  add(x: number, y: number): TraceStatus {
    if (!Number.isFinite(x) || !Number.isFinite(y)) return 'drawing';
    const last = this.points[this.points.length - 1];
    if (last[0] === x && last[1] === y) return 'drawing';
    const d = Math.hypot(x - this.start.x, y - this.start.y);
    if (d > this.farPx) this.wentFar = true;
    // The closing position itself is not recorded: the polygon closes back to the start anyway.
    if (this.wentFar && this.points.length >= 4 && d < this.nearPx) return 'closed';
    this.points.push([x, y]);
    return 'drawing';
  }
}
