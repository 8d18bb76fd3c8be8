// Cellpose's trace-to-mask (gui.add_mask, GUI_AND_FORMATS A.6): each traced outline is a closed
// polygon filled with OpenCV fillPoly semantics; pixels that already belong to another mask are
// removed (existing masks win); the result becomes the new id N+1 with ismanual true. Several
// strokes (Cellpose's "single stroke" off) give one mask: their union. In 3D the planes between
// drawn planes are interpolated (interpolate-z.ts) in the same step.
import { AtomBuilder } from './atom-builder.ts';
import type { EditStep } from './edit-step.ts';
import { interpolatePlanes } from './interpolate-z.ts';
import { reject, type LabelView, type Rejection } from './label-view.ts';
import { appendManualRow } from './meta-splices.ts';
import { fillPolygon, type RasterRegion } from './raster.ts';

export interface TraceStroke {
  /** Plane the outline was drawn on (0 in 2D). */
  z: number;
  /** Outline vertices (x, y) in pixels, in drawing order; the polygon is closed implicitly. */
  points: ReadonlyArray<readonly [number, number]>;
}

/** Cellpose rejects a stroke with 8 or fewer recorded vertices ("cell too small, not drawn"). */
export const MIN_TRACE_VERTICES = 9;
/** Free pixels a stroke must keep after overlap removal: 10 in the 2D GUI, 8 in the 3D one. */
export const MIN_FREE_PX_2D = 10;
export const MIN_FREE_PX_3D = 8;
/** An interpolated plane with fewer free pixels is skipped. */
export const MIN_INTERP_FREE_PX = 5;

interface PlaneRegion {
  y0: number;
  y1: number;
  x0: number;
  x1: number;
  mask: Uint8Array;
}

function unionRegions(regions: RasterRegion[]): PlaneRegion {
  let y0 = Infinity;
  let y1 = -Infinity;
  let x0 = Infinity;
  let x1 = -Infinity;
  for (const r of regions) {
    y0 = Math.min(y0, r.y0);
    y1 = Math.max(y1, r.y1);
    x0 = Math.min(x0, r.x0);
    x1 = Math.max(x1, r.x1);
  }
  const w = x1 - x0;
  const mask = new Uint8Array((y1 - y0) * w);
  for (const r of regions) {
    const rw = r.x1 - r.x0;
    for (let y = r.y0; y < r.y1; y++) {
      for (let x = r.x0; x < r.x1; x++) if (r.mask[(y - r.y0) * rw + x - r.x0]) mask[(y - y0) * w + x - x0] = 1;
    }
  }
  return { y0, y1, x0, x1, mask };
}

function countFree(view: LabelView, z: number, r: RasterRegion): number {
  const { labels, ny, nx } = view;
  const w = r.x1 - r.x0;
  let n = 0;
  for (let y = r.y0; y < r.y1; y++) {
    const row = (z * ny + y) * nx;
    for (let x = r.x0; x < r.x1; x++) if (r.mask[(y - r.y0) * w + x - r.x0] && labels[row + x] === 0) n++;
  }
  return n;
}

/** Builds the step that adds one mask from one or more traced strokes, or says why not. */
export function buildTraceStep(view: LabelView, strokes: readonly TraceStroke[]): EditStep | Rejection {
  if (strokes.length === 0) return reject('nothing traced');
  const is3D = view.nz > 1;
  const minFree = is3D ? MIN_FREE_PX_3D : MIN_FREE_PX_2D;
  const perPlane = new Map<number, RasterRegion[]>();
  for (const s of strokes) {
    if (!Number.isInteger(s.z) || s.z < 0 || s.z >= view.nz) return reject(`plane ${s.z} is outside the stack (0..${view.nz - 1})`);
    if (s.points.length < MIN_TRACE_VERTICES) return reject(`cell too small, not drawn: the outline has ${s.points.length} points, more than 8 are needed`);
    const xs = new Int32Array(s.points.length);
    const ys = new Int32Array(s.points.length);
    for (let i = 0; i < s.points.length; i++) {
      const [x, y] = s.points[i];
      if (!Number.isFinite(x) || !Number.isFinite(y)) return reject('outline point is not a finite number');
      xs[i] = Math.round(x);
      ys[i] = Math.round(y);
    }
    const region = fillPolygon(xs, ys, view.ny, view.nx);
    if (!region) return reject('the outline lies outside the image');
    const free = countFree(view, s.z, region);
    if (free < minFree) return reject(`cell < ${minFree} pixels without overlaps, not drawn (${free} free pixels)`);
    const list = perPlane.get(s.z) ?? [];
    list.push(region);
    perPlane.set(s.z, list);
  }
  const id = view.count + 1;
  const zdraw = Int32Array.from([...perPlane.keys()].sort((a, b) => a - b));
  const b = new AtomBuilder(view);
  const { labels, ny, nx } = view;
  // Crop shared by all drawn planes, for the interpolation.
  let cy0 = Infinity;
  let cy1 = -Infinity;
  let cx0 = Infinity;
  let cx1 = -Infinity;
  const drawn = new Map<number, PlaneRegion>();
  for (const z of zdraw) {
    const u = unionRegions(perPlane.get(z) as RasterRegion[]);
    const w = u.x1 - u.x0;
    for (let y = u.y0; y < u.y1; y++) {
      const row = (z * ny + y) * nx;
      for (let x = u.x0; x < u.x1; x++) {
        const i = (y - u.y0) * w + x - u.x0;
        if (!u.mask[i]) continue;
        // Existing masks win: the new mask keeps only background pixels.
        if (labels[row + x] !== 0) u.mask[i] = 0;
        else b.set(z, y * nx + x, id);
      }
    }
    drawn.set(z, u);
    cy0 = Math.min(cy0, u.y0);
    cy1 = Math.max(cy1, u.y1);
    cx0 = Math.min(cx0, u.x0);
    cx1 = Math.max(cx1, u.x1);
  }
  if (zdraw.length > 1) {
    const h = cy1 - cy0;
    const w = cx1 - cx0;
    const crops = new Map<number, Uint8Array>();
    for (const [z, u] of drawn) {
      const m = new Uint8Array(h * w);
      const uw = u.x1 - u.x0;
      for (let y = u.y0; y < u.y1; y++) {
        for (let x = u.x0; x < u.x1; x++) if (u.mask[(y - u.y0) * uw + x - u.x0]) m[(y - cy0) * w + x - cx0] = 1;
      }
      crops.set(z, m);
    }
    addInterpolated(view, b, id, zdraw, crops, cy0, cx0, h, w);
  }
  return { name: 'add mask', remapBefore: null, atoms: b.finish(), remapAfter: null, meta: [appendManualRow(view, zdraw)] };
}

/**
 * Writes the interpolated planes of `id` onto free pixels. Cellpose prints "stroke on plane not
 * included" for a plane with < 5 free pixels but then draws it anyway (over other masks); we skip
 * the plane, which is what its message says and what keeps masks from overlapping.
 */
export function addInterpolated(
  view: LabelView,
  b: AtomBuilder,
  id: number,
  zdraw: Int32Array,
  crops: ReadonlyMap<number, Uint8Array>,
  cy0: number,
  cx0: number,
  h: number,
  w: number,
): number {
  const { labels, ny, nx } = view;
  const filled = interpolatePlanes(zdraw, crops, h, w);
  let planes = 0;
  for (const [z, m] of filled) {
    let free = 0;
    for (let y = 0; y < h; y++) {
      const row = (z * ny + cy0 + y) * nx + cx0;
      for (let x = 0; x < w; x++) if (m[y * w + x] && labels[row + x] === 0) free++;
    }
    if (free < MIN_INTERP_FREE_PX) continue;
    for (let y = 0; y < h; y++) {
      const row = (z * ny + cy0 + y) * nx + cx0;
      for (let x = 0; x < w; x++) if (m[y * w + x] && labels[row + x] === 0) b.set(z, (cy0 + y) * nx + cx0 + x, id);
    }
    planes++;
  }
  return planes;
}

/**
 * Re-runs the z-interpolation of a hand-drawn 3D mask from its pixels on its drawn planes (zdraw),
 * filling free pixels of the undrawn planes in between. Pixels it already has are kept.
 */
export function buildInterpolateZStep(view: LabelView, id: number): EditStep | Rejection {
  if (!Number.isInteger(id) || id < 1 || id > view.count) return reject(`no mask with id ${id}`);
  const zd = view.metaOf(id).zdraw;
  if (!zd || zd.length < 2) return reject('the mask was not drawn on two or more planes');
  const [, , y0, y1, x0, x1] = view.boxOf(id);
  const h = y1 - y0;
  const w = x1 - x0;
  const { labels, ny, nx } = view;
  const crops = new Map<number, Uint8Array>();
  for (const z of zd) {
    if (z < 0 || z >= view.nz) return reject(`drawn plane ${z} is outside the stack`);
    const m = new Uint8Array(h * w);
    for (let y = 0; y < h; y++) {
      const row = (z * ny + y0 + y) * nx + x0;
      for (let x = 0; x < w; x++) if (labels[row + x] === id) m[y * w + x] = 1;
    }
    crops.set(z, m);
  }
  const b = new AtomBuilder(view);
  addInterpolated(view, b, id, Int32Array.from(zd).sort(), crops, y0, x0, h, w);
  if (b.isEmpty) return reject('interpolation adds no pixel');
  return { name: 'interpolate mask in z', remapBefore: null, atoms: b.finish(), remapAfter: null, meta: [] };
}
