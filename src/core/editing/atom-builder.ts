// Collects the pixel changes of one operation into per-plane atoms (offsets + old + new values).
// Contract: an operation sets each pixel at most once, since `before` is read from the untouched
// document; unchanged pixels are skipped so an atom holds only real changes.
import type { PixelAtom } from './edit-step.ts';
import type { LabelView } from './label-view.ts';

interface PlaneChanges {
  offsets: number[];
  before: number[];
  after: number[];
}

export class AtomBuilder {
  private readonly planes = new Map<number, PlaneChanges>();
  private readonly planeSize: number;

  constructor(private readonly view: LabelView) {
    this.planeSize = view.ny * view.nx;
  }

  /** Records pixel (z, offset-in-plane) becoming `value`; returns whether it changes. */
  set(z: number, offset: number, value: number): boolean {
    const old = this.view.labels[z * this.planeSize + offset];
    if (old === value) return false;
    let p = this.planes.get(z);
    if (!p) {
      p = { offsets: [], before: [], after: [] };
      this.planes.set(z, p);
    }
    p.offsets.push(offset);
    p.before.push(old);
    p.after.push(value);
    return true;
  }

  get isEmpty(): boolean {
    return this.planes.size === 0;
  }

  /** The atoms, one per touched plane, in increasing z. */
  finish(): PixelAtom[] {
    const nx = this.view.nx;
    const out: PixelAtom[] = [];
    for (const z of [...this.planes.keys()].sort((a, b) => a - b)) {
      const p = this.planes.get(z) as PlaneChanges;
      out.push(makeAtom(z, nx, Uint32Array.from(p.offsets), Uint32Array.from(p.before), Uint32Array.from(p.after)));
    }
    return out;
  }
}

/** Builds an atom, storing `after` as one number when every pixel gets the same label. */
export function makeAtom(z: number, nx: number, offsets: Uint32Array, before: Uint32Array, after: Uint32Array): PixelAtom {
  let y0 = Infinity;
  let y1 = -Infinity;
  let x0 = Infinity;
  let x1 = -Infinity;
  let uniform = true;
  for (let i = 0; i < offsets.length; i++) {
    const o = offsets[i];
    const y = (o / nx) | 0;
    const x = o - y * nx;
    if (y < y0) y0 = y;
    if (y + 1 > y1) y1 = y + 1;
    if (x < x0) x0 = x;
    if (x + 1 > x1) x1 = x + 1;
    if (after[i] !== after[0]) uniform = false;
  }
  return { z, y0, y1, x0, x1, offsets, before, after: uniform && after.length > 0 ? after[0] : after };
}

/**
 * Ids (1..count) whose every pixel is overwritten by these atoms: Cellpose keeps ids contiguous,
 * so such an id must be removed (and the ids above it shifted) in the same step.
 */
export function vanishedIds(view: LabelView, atoms: readonly PixelAtom[]): number[] {
  const lost = new Map<number, number>();
  for (const a of atoms) {
    const uniformAfter = typeof a.after === 'number' ? a.after : -1;
    for (let i = 0; i < a.before.length; i++) {
      const b = a.before[i];
      if (b === 0 || b > view.count) continue;
      lost.set(b, (lost.get(b) ?? 0) + 1);
      const aft = uniformAfter >= 0 ? uniformAfter : (a.after as Uint32Array)[i];
      if (aft !== 0 && aft <= view.count) lost.set(aft, (lost.get(aft) ?? 0) - 1);
    }
  }
  const out: number[] = [];
  for (const [id, n] of lost) if (n >= view.areaOf(id)) out.push(id);
  return out.sort((a, b) => a - b);
}
