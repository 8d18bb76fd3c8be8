// Bucket fill: the 4-connected region of equal label around a pixel, on one plane (napari's fill
// in 2D mode), gets a new label. Filling with 0 erases a piece; with N+1 it makes a new mask.
import { AtomBuilder, vanishedIds } from './atom-builder.ts';
import type { EditStep, MetaSplice } from './edit-step.ts';
import { reject, type LabelView, type Rejection } from './label-view.ts';
import { appendManualRow, markManual, removalSplices } from './meta-splices.ts';

export function buildFloodFillStep(view: LabelView, x: number, y: number, z: number, newLabel: number): EditStep | Rejection {
  const { labels, nz, ny, nx } = view;
  if (![x, y, z].every(Number.isInteger) || x < 0 || y < 0 || z < 0 || x >= nx || y >= ny || z >= nz) return reject(`pixel (${x}, ${y}, ${z}) is outside the image`);
  if (!Number.isInteger(newLabel) || newLabel < 0 || newLabel > view.count + 1) return reject(`label ${newLabel} must be 0..${view.count + 1}`);
  const base = z * ny * nx;
  const seed = labels[base + y * nx + x];
  if (seed === newLabel) return reject(`the region already has label ${newLabel}`);
  const seen = new Uint8Array(ny * nx);
  const b = new AtomBuilder(view);
  const stack: number[] = [y * nx + x];
  seen[y * nx + x] = 1;
  while (stack.length) {
    const o = stack.pop() as number;
    b.set(z, o, newLabel);
    const oy = (o / nx) | 0;
    const ox = o - oy * nx;
    const visit = (n: number): void => {
      if (!seen[n] && labels[base + n] === seed) {
        seen[n] = 1;
        stack.push(n);
      }
    };
    if (ox > 0) visit(o - 1);
    if (ox < nx - 1) visit(o + 1);
    if (oy > 0) visit(o - nx);
    if (oy < ny - 1) visit(o + nx);
  }
  const atoms = b.finish();
  const meta: MetaSplice[] = [];
  if (newLabel === view.count + 1) meta.push(appendManualRow(view, Int32Array.of(z)));
  else if (newLabel > 0) {
    const m = markManual(view, newLabel);
    if (m) meta.push(m);
  }
  const gone = vanishedIds(view, atoms);
  return {
    name: newLabel === 0 ? 'erase region' : 'fill',
    remapBefore: null,
    atoms,
    remapAfter: gone.length ? { kind: 'remove', ids: Uint32Array.from(gone) } : null,
    meta: [...meta, ...removalSplices(view, gone, meta)],
  };
}
