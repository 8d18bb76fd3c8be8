// Cellpose keeps its display copy of the image min–max scaled to 0..255 over the whole stack
// (A.0 `stack`), and its saturation sliders and levels live on that 0..255 scale. The backend sends
// raw values plus the stack's min/max and raw 1st/99th percentiles; these helpers convert.

export interface DisplayScale {
  /** Raw minimum over the whole stack (all channels). */
  minValue: number;
  /** Raw maximum over the whole stack (all channels). */
  maxValue: number;
}

/** Level pair [low, high] on the 0..255 display scale. */
export type Levels = [number, number];

/** The slider range Cellpose uses: a little beyond 0..255 so both ends can be reached. */
export const SLIDER_MIN = -0.1;
export const SLIDER_MAX = 255.1;

/** Raw-to-display factor. Cellpose skips the division when max - min <= 1e-3 (a flat image),
 *  leaving values as raw - min; we do the same so a constant image shows as 0, not NaN. */
export function displayFactor(scale: DisplayScale): number {
  const range = scale.maxValue - scale.minValue;
  return range > 1e-3 ? 255 / range : 1;
}

export function rawToDisplay(raw: number, scale: DisplayScale): number {
  return (raw - scale.minValue) * displayFactor(scale);
}

export function displayToRaw(display: number, scale: DisplayScale): number {
  return display / displayFactor(scale) + scale.minValue;
}

/** Auto-saturation: each channel's raw [p1, p99] converted to display levels. A degenerate pair
 *  (p99 <= p1, e.g. a mostly empty mask image) is widened so the levels still map something. */
export function autoLevels(percentiles: ReadonlyArray<readonly [number, number]>, scale: DisplayScale): Levels[] {
  return percentiles.map(([p1, p99]) => {
    let lo = rawToDisplay(p1, scale);
    let hi = rawToDisplay(p99, scale);
    if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [0, 255];
    if (hi - lo < 1e-3) {
      // Cellpose would divide by ~0 and show a binary image; keep a 1-level ramp instead.
      hi = Math.min(SLIDER_MAX, lo + 1);
      lo = hi - 1;
    }
    return [clampLevel(lo), clampLevel(hi)];
  });
}

export function clampLevel(v: number): number {
  return Math.min(SLIDER_MAX, Math.max(SLIDER_MIN, v));
}
