// Dirty rectangles of the mask overlay: an edit repaints only its own area of the overlay layers
// (render/mask-layers.ts writes them), as napari's labels layer uploads a sub-texture.

export interface Rect {
  x0: number;
  x1: number;
  y0: number;
  y1: number;
}

/**
 * A change box grown by `px` on each side. Outlines are a neighbourhood property: a pixel next to
 * an edited one can gain or lose its outline bit, and the live brush-stroke events report only
 * the painted pixels' box, so the repaint covers one pixel more.
 */
export function padRect(b: Rect, px: number): Rect {
  return { x0: b.x0 - px, x1: b.x1 + px, y0: b.y0 - px, y1: b.y1 + px };
}
