// Cutting a mask in two along a drawn line (Cellpose declined this, issue #113; napari users do it
// by erasing). The line is rasterised 4-connected, because an 8-connected line can be crossed
// diagonally by 8-connected pixels; its pixels inside the mask become background, then each
// 8-connected piece of the mask on that plane becomes its own mask. The largest piece keeps the
// id (ties: the first in raster order); the others get new ids N+1, N+2, ... in raster order.
import { AtomBuilder } from './atom-builder.ts';
import type { EditStep, MetaSplice } from './edit-step.ts';
import { reject, type LabelView, type Rejection } from './label-view.ts';
import { markManual } from './meta-splices.ts';
import { forEachLinePixel4 } from './raster.ts';

export function buildSplitStep(view: LabelView, id: number, polyline: ReadonlyArray<readonly [number, number]>, z: number): EditStep | Rejection {
  if (!Number.isInteger(id) || id < 1 || id > view.count) return reject(`no mask with id ${id}`);
  if (!Number.isInteger(z) || z < 0 || z >= view.nz) return reject(`plane ${z} is outside the stack`);
  if (polyline.length < 2) return reject('a cut line needs at least two points');
  const { labels, ny, nx } = view;
  const [, , by0, by1, bx0, bx1] = view.boxOf(id);
  const h = by1 - by0;
  const w = bx1 - bx0;
  const base = z * ny * nx;
  // crop: 1 = pixel of the mask, 2 = cut pixel of the mask, 0 = other
  const crop = new Uint8Array(h * w);
  for (let y = 0; y < h; y++) {
    const row = base + (by0 + y) * nx + bx0;
    for (let x = 0; x < w; x++) if (labels[row + x] === id) crop[y * w + x] = 1;
  }
  const cut = (x: number, y: number): void => {
    if (x >= bx0 && x < bx1 && y >= by0 && y < by1 && crop[(y - by0) * w + x - bx0] === 1) crop[(y - by0) * w + x - bx0] = 2;
  };
  for (let k = 0; k + 1 < polyline.length; k++) {
    const [ax, ay] = polyline[k];
    const [cx, cy] = polyline[k + 1];
    if (![ax, ay, cx, cy].every(Number.isFinite)) return reject('cut point is not a finite number');
    forEachLinePixel4(Math.round(ax), Math.round(ay), Math.round(cx), Math.round(cy), cut);
  }
  // 8-connected components of the remaining pixels.
  const comp = new Int32Array(h * w);
  const sizes: number[] = [0];
  const stack: number[] = [];
  for (let i = 0; i < crop.length; i++) {
    if (crop[i] !== 1 || comp[i] !== 0) continue;
    const c = sizes.length;
    let size = 0;
    comp[i] = c;
    stack.push(i);
    while (stack.length) {
      const p = stack.pop() as number;
      size++;
      const py = (p / w) | 0;
      const px = p - py * w;
      for (let dy = -1; dy <= 1; dy++) {
        const yy = py + dy;
        if (yy < 0 || yy >= h) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const xx = px + dx;
          if (xx < 0 || xx >= w) continue;
          const q = yy * w + xx;
          if (crop[q] === 1 && comp[q] === 0) {
            comp[q] = c;
            stack.push(q);
          }
        }
      }
    }
    sizes.push(size);
  }
  const pieces = sizes.length - 1;
  if (pieces < 2) return reject('the line does not cut the mask into pieces');
  let largest = 1;
  for (let c = 2; c < sizes.length; c++) if (sizes[c] > sizes[largest]) largest = c;
  const newId = new Uint32Array(sizes.length);
  let next = view.count + 1;
  for (let c = 1; c < sizes.length; c++) newId[c] = c === largest ? id : next++;
  const b = new AtomBuilder(view);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      const o = (by0 + y) * nx + bx0 + x;
      if (crop[i] === 2) b.set(z, o, 0);
      else if (crop[i] === 1 && newId[comp[i]] !== id) b.set(z, o, newId[comp[i]]);
    }
  }
  const src = view.metaOf(id);
  const meta: MetaSplice[] = [];
  const mm = markManual(view, id);
  if (mm) meta.push(mm);
  const added = [];
  for (let k = view.count + 1; k < next; k++) added.push({ ismanual: true, zdraw: src.zdraw, colorIndex: k });
  meta.push({ at: view.count, removed: [], inserted: added });
  return { name: 'split mask', remapBefore: null, atoms: b.finish(), remapAfter: null, meta };
}
