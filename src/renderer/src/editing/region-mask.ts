// The "segment only inside" region (SegmentRequest.region) from the outline traced with the
// region tool: filled with the same OpenCV-fillPoly rule as a traced mask, as one (Y, X) plane that
// the backend applies to every Z plane.
import { fillPolygon } from '../../../core/editing/raster.ts';

export function regionPlane(outline: ReadonlyArray<readonly [number, number]>, height: number, width: number): Uint8Array<ArrayBuffer> | null {
  if (outline.length < 3) return null;
  const xs = Int32Array.from(outline, (p) => Math.round(p[0]));
  const ys = Int32Array.from(outline, (p) => Math.round(p[1]));
  const r = fillPolygon(xs, ys, height, width);
  if (!r) return null;
  const out = new Uint8Array(height * width);
  const bw = r.x1 - r.x0;
  for (let y = r.y0; y < r.y1; y++) {
    for (let x = r.x0; x < r.x1; x++) if (r.mask[(y - r.y0) * bw + (x - r.x0)]) out[y * width + x] = 1;
  }
  return out;
}
