// The mask overlay's canvas as ImageCanvas owns it, registered here so edits can repaint just their
// dirty rectangle (putImageData with a dirty rect) instead of re-composing the whole plane.
import type { Box } from '../../../core/editing/box.ts';
import type { OverlayOptions } from '../render/mask-overlay.ts';
import { padRect, patchOverlayRect, type Rect } from './overlay-patch.ts';

export interface MaskSurface {
  canvas: HTMLCanvasElement;
  data: ImageData;
  /** Redraws the Konva layer now. */
  draw(): void;
}

let surface: MaskSurface | null = null;
const repaintMs: number[] = [];

export function registerMaskSurface(s: MaskSurface | null): void {
  surface = s;
}

export interface LayerArrays {
  masks: ArrayLike<number>;
  outlines: Uint8Array | null;
  colours: Uint8Array;
  shape: readonly [number, number, number];
}

/**
 * Repaints the boxes that touch plane `opts.z`; false when no surface of this size is registered
 * (the caller then asks for a full redraw).
 */
export function repaintBoxes(layer: LayerArrays, opts: OverlayOptions, boxes: readonly Box[]): boolean {
  const s = surface;
  const [, h, w] = layer.shape;
  if (!s || s.data.width !== w || s.data.height !== h) return false;
  const ctx = s.canvas.getContext('2d');
  if (!ctx) return false;
  const t0 = performance.now();
  let any = false;
  for (const b of boxes) {
    if (opts.z < b.z0 || opts.z >= b.z1) continue;
    const r: Rect = patchOverlayRect(layer.masks, layer.outlines, layer.colours, layer.shape, opts, padRect(b, 1), s.data.data);
    if (r.x1 <= r.x0 || r.y1 <= r.y0) continue;
    ctx.putImageData(s.data, 0, 0, r.x0, r.y0, r.x1 - r.x0, r.y1 - r.y0);
    any = true;
  }
  if (any) s.draw();
  repaintMs.push(performance.now() - t0);
  if (repaintMs.length > 1000) repaintMs.splice(0, repaintMs.length - 1000);
  return true;
}

/** Milliseconds of each dirty repaint (newest last), for the benchmark. */
export function repaintTimings(): readonly number[] {
  return repaintMs;
}
