// The mask overlay's two cached layer canvases (render/mask-layers.ts) as ImageCanvas owns them,
// registered here so that edits repaint just their dirty rectangles (putImageData with a dirty
// rect) instead of re-composing the whole plane, and a new selection repaints only the old and
// the new selected mask's boxes.
import type { Box } from '../../../core/editing/box.ts';
import { fillLayerRect, outlineLayerRect } from '../render/mask-layers.ts';
import { padRect, type Rect } from './overlay-patch.ts';

export interface MaskSurface {
  /** Fills layer: table colours at alpha 128, the selected mask white. */
  fills: HTMLCanvasElement;
  /** Outline layer: opaque outline colour on outline pixels. */
  outlines: HTMLCanvasElement;
  /** A full-plane scratch buffer; only the rectangle being repainted is written and read. */
  scratch: ImageData;
  /** Plane and selected id the layers show now. */
  z: number;
  selected: number;
  /** Where the selected mask's white may be painted (image pixels), for un-painting it. */
  selectedRect: Rect | null;
  /** A layer not composed since its masks or plane changed (composed before it is shown). */
  fillsStale: boolean;
  outlinesStale: boolean;
  /** Redraws the overlay's Konva layer now. */
  draw(): void;
}

let surface: MaskSurface | null = null;
const repaintMs: number[] = [];

export function registerMaskSurface(s: MaskSurface | null): void {
  surface = s;
}

export function maskSurface(): MaskSurface | null {
  return surface;
}

export interface LayerArrays {
  masks: ArrayLike<number>;
  outlines: Uint8Array | null;
  colours: Uint8Array;
  shape: readonly [number, number, number];
}

function union(a: Rect | null, b: Rect): Rect {
  return a ? { x0: Math.min(a.x0, b.x0), x1: Math.max(a.x1, b.x1), y0: Math.min(a.y0, b.y0), y1: Math.max(a.y1, b.y1) } : b;
}

/** Repaints one rectangle of both layers from the label arrays. */
function repaintRect(s: MaskSurface, layer: LayerArrays, box: Rect): boolean {
  const f = s.fills.getContext('2d');
  const o = s.outlines.getContext('2d');
  if (!f || !o) return false;
  const r = fillLayerRect(layer.masks, layer.colours, layer.shape, s.z, s.selected, box, s.scratch.data);
  if (r.x1 <= r.x0 || r.y1 <= r.y0) return false;
  f.putImageData(s.scratch, 0, 0, r.x0, r.y0, r.x1 - r.x0, r.y1 - r.y0);
  if (layer.outlines) {
    outlineLayerRect(layer.outlines, layer.shape, s.z, r, s.scratch.data);
    o.putImageData(s.scratch, 0, 0, r.x0, r.y0, r.x1 - r.x0, r.y1 - r.y0);
  }
  if (s.selected > 0) s.selectedRect = union(s.selectedRect, r);
  return true;
}

function fits(s: MaskSurface | null, layer: LayerArrays, z: number): s is MaskSurface {
  const [, h, w] = layer.shape;
  return s !== null && s.scratch.width === w && s.scratch.height === h && s.z === z;
}

/**
 * Repaints the boxes that touch plane `z`; false when no surface of this size and plane is
 * registered (the caller then asks for a full redraw).
 */
export function repaintBoxes(layer: LayerArrays, z: number, selected: number, boxes: readonly Box[]): boolean {
  const s = surface;
  if (!fits(s, layer, z) || s.selected !== selected) return false;
  const t0 = performance.now();
  let any = false;
  for (const b of boxes) {
    if (z < b.z0 || z >= b.z1) continue;
    // Outlines are a neighbourhood property: a pixel next to an edited one can gain or lose its
    // outline bit, and the live brush-stroke events report only the painted pixels' box.
    if (repaintRect(s, layer, padRect(b, 1))) any = true;
  }
  if (any) s.draw();
  repaintMs.push(performance.now() - t0);
  if (repaintMs.length > 1000) repaintMs.splice(0, repaintMs.length - 1000);
  return true;
}

/**
 * A new selected mask: repaints where the old one was white and the new one's box (image pixels,
 * from the label document); false when the layers must be redrawn instead.
 */
export function repaintSelection(layer: LayerArrays, z: number, selected: number, newBox: Rect | null): boolean {
  const s = surface;
  if (!fits(s, layer, z)) return false;
  const t0 = performance.now();
  const old = s.selectedRect;
  s.selected = selected;
  s.selectedRect = null;
  if (old) repaintRect(s, layer, old);
  if (selected > 0 && newBox) repaintRect(s, layer, newBox);
  s.draw();
  repaintMs.push(performance.now() - t0);
  return true;
}

/**
 * Pixels where an up-to-date cached layer differs from a fresh compose of the label arrays, for
 * the e2e tests (every dirty and selection repaint must leave the layers exact). Canvases store
 * premultiplied alpha, so a difference counts only above its rounding; null without a surface.
 */
export function staleLayerPixels(layer: LayerArrays): { fills: number; outlines: number } | null {
  const s = surface;
  const [, h, w] = layer.shape;
  if (!s || s.scratch.width !== w || s.scratch.height !== h) return null;
  const count = (canvas: HTMLCanvasElement, want: Uint8ClampedArray): number => {
    const got = canvas.getContext('2d')?.getImageData(0, 0, w, h).data;
    if (!got) return -1;
    let n = 0;
    for (let o = 0; o < want.length; o += 4) {
      if (Math.abs(got[o + 3] - want[o + 3]) > 1) n++;
      else if (want[o + 3] > 0 && (Math.abs(got[o] - want[o]) > 3 || Math.abs(got[o + 1] - want[o + 1]) > 3 || Math.abs(got[o + 2] - want[o + 2]) > 3)) n++;
    }
    return n;
  };
  const want = new Uint8ClampedArray(w * h * 4);
  const whole = { x0: 0, x1: w, y0: 0, y1: h };
  let fills = 0;
  let outlines = 0;
  if (!s.fillsStale) {
    fillLayerRect(layer.masks, layer.colours, layer.shape, s.z, s.selected, whole, want);
    fills = count(s.fills, want);
  }
  if (!s.outlinesStale && layer.outlines) {
    outlineLayerRect(layer.outlines, layer.shape, s.z, whole, want);
    outlines = count(s.outlines, want);
  }
  return { fills, outlines };
}

/** Milliseconds of each dirty repaint (newest last), for the benchmark. */
export function repaintTimings(): readonly number[] {
  return repaintMs;
}
