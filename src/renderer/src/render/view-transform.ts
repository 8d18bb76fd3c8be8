// Canvas pan/zoom as one similarity transform: screen = image * scale + offset (A.11).
// Image coordinates are in pixels with (0, 0) at the top-left corner of pixel (0, 0); Y points down.

export interface ViewTransform {
  /** Screen pixels per image pixel. */
  scale: number;
  offsetX: number;
  offsetY: number;
}

export const MIN_SCALE = 1 / 64;
export const MAX_SCALE = 256;

/** Full view (double-click): the whole image fits, centred, aspect ratio locked. */
export function fitTransform(imageWidth: number, imageHeight: number, viewWidth: number, viewHeight: number): ViewTransform {
  if (imageWidth <= 0 || imageHeight <= 0 || viewWidth <= 0 || viewHeight <= 0) return { scale: 1, offsetX: 0, offsetY: 0 };
  const scale = Math.min(viewWidth / imageWidth, viewHeight / imageHeight);
  return {
    scale,
    offsetX: (viewWidth - imageWidth * scale) / 2,
    offsetY: (viewHeight - imageHeight * scale) / 2,
  };
}

/** Zoom by `factor` keeping the image point under the screen point (sx, sy) fixed. */
export function zoomAt(t: ViewTransform, sx: number, sy: number, factor: number): ViewTransform {
  const scale = Math.min(MAX_SCALE, Math.max(MIN_SCALE, t.scale * factor));
  const k = scale / t.scale;
  return { scale, offsetX: sx - (sx - t.offsetX) * k, offsetY: sy - (sy - t.offsetY) * k };
}

export function panBy(t: ViewTransform, dx: number, dy: number): ViewTransform {
  return { scale: t.scale, offsetX: t.offsetX + dx, offsetY: t.offsetY + dy };
}

export function screenToImage(t: ViewTransform, sx: number, sy: number): { x: number; y: number } {
  return { x: (sx - t.offsetX) / t.scale, y: (sy - t.offsetY) / t.scale };
}

/** The integer pixel under a screen point (may lie outside the image; callers check bounds). */
export function pixelAt(t: ViewTransform, sx: number, sy: number): { x: number; y: number } {
  const p = screenToImage(t, sx, sy);
  return { x: Math.floor(p.x), y: Math.floor(p.y) };
}

/** Screen position of the centre of pixel (x, y). */
export function imageToScreen(t: ViewTransform, x: number, y: number): { x: number; y: number } {
  return { x: (x + 0.5) * t.scale + t.offsetX, y: (y + 0.5) * t.scale + t.offsetY };
}

/** Cellpose's keys shrink the view range by 0.9 (`=`/`+`) or grow it by 1.1 (`-`), so the
 *  magnification changes by 1/0.9 and 1/1.1. */
export const KEY_ZOOM_IN = 1 / 0.9;
export const KEY_ZOOM_OUT = 1 / 1.1;

/** Wheel zoom as pyqtgraph does it: 1.02 ** (delta / 8) per wheel delta (a notch = 120 units
 *  gives ~1.35x). Browsers report deltaY with the opposite sign (positive = scroll down = zoom out). */
export function wheelZoomFactor(deltaY: number): number {
  const clamped = Math.max(-600, Math.min(600, deltaY));
  return Math.pow(1.02, -clamped / 8);
}
