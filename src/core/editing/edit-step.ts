// One undo step of the mask editor. napari's labels layer keeps an undo atom as (bounding box, old
// values, new label) and groups a whole brush stroke into one step; we do the same, with two
// additions Cellpose needs: ids stay contiguous 1..N, so deleting or merging renumbers every id
// above the removed one (stored as the removed id list, never as a copy of the image), and the
// per-mask metadata rows (ismanual, zdraw, colour) move with their masks.

/** Per-mask metadata, one row per id (row index = id - 1, as Cellpose stores ismanual/zdraw). */
export interface MaskMeta {
  /** Drawn (or corrected) by hand; Cellpose's `ismanual`. */
  readonly ismanual: boolean;
  /**
   * Planes drawn by hand (Cellpose's `zdraw` entry), increasing; null for masks that came from a
   * model or a loaded file (Cellpose writes a numpy int16 -1 or None there).
   */
  readonly zdraw: Int32Array | null;
  /** Index into the colour table (Cellpose takes colormap[ncells] for a new mask). */
  readonly colorIndex: number;
}

/**
 * The changed pixels of one z-plane: positions as plane-linear offsets (y * Lx + x), so an atom is
 * small for a thin diagonal stroke whose bounding box is large.
 */
export interface PixelAtom {
  readonly z: number;
  /** Half-open bounding box of the offsets within the plane. */
  readonly y0: number;
  readonly y1: number;
  readonly x0: number;
  readonly x1: number;
  readonly offsets: Uint32Array;
  readonly before: Uint32Array;
  /** The new value of every pixel: one label for brush/trace/fill, per pixel otherwise. */
  readonly after: Uint32Array | number;
}

/**
 * A renumbering of ids. `remove`: `ids` (old numbering, increasing) disappear and every id above
 * each shifts down, as Cellpose's remove_cell does. `insert`: the exact inverse; `ids` (new
 * numbering, increasing) become free and the others shift up to make room.
 */
export interface IdRemap {
  readonly kind: 'remove' | 'insert';
  readonly ids: Uint32Array;
}

/** rows.splice(at, removed.length, ...inserted) on the metadata table. */
export interface MetaSplice {
  readonly at: number;
  readonly removed: readonly MaskMeta[];
  readonly inserted: readonly MaskMeta[];
}

/**
 * Applied in this order: remapBefore, atoms (in order), remapAfter, meta splices (in order). The
 * inverse runs every part backwards, so a step and its inverse restore the exact bytes.
 */
export interface EditStep {
  readonly name: string;
  readonly remapBefore: IdRemap | null;
  readonly atoms: readonly PixelAtom[];
  readonly remapAfter: IdRemap | null;
  readonly meta: readonly MetaSplice[];
}

export function invertRemap(r: IdRemap): IdRemap {
  return { kind: r.kind === 'remove' ? 'insert' : 'remove', ids: r.ids };
}

export function invertAtom(a: PixelAtom): PixelAtom {
  let before: Uint32Array;
  if (typeof a.after === 'number') before = new Uint32Array(a.offsets.length).fill(a.after);
  else before = a.after;
  return { z: a.z, y0: a.y0, y1: a.y1, x0: a.x0, x1: a.x1, offsets: a.offsets, before, after: a.before };
}

export function invertStep(s: EditStep): EditStep {
  return {
    name: s.name,
    remapBefore: s.remapAfter ? invertRemap(s.remapAfter) : null,
    atoms: s.atoms.map(invertAtom).reverse(),
    remapAfter: s.remapBefore ? invertRemap(s.remapBefore) : null,
    meta: s.meta.map((m) => ({ at: m.at, removed: m.inserted, inserted: m.removed })).reverse(),
  };
}

function metaBytes(rows: readonly MaskMeta[]): number {
  let n = 0;
  for (const r of rows) n += 24 + (r.zdraw ? r.zdraw.byteLength : 0);
  return n;
}

/** Approximate memory held by a step, for the undo stack's byte bound. */
export function stepByteSize(s: EditStep): number {
  let n = 64;
  for (const a of s.atoms) {
    n += 48 + a.offsets.byteLength + a.before.byteLength + (typeof a.after === 'number' ? 0 : a.after.byteLength);
  }
  if (s.remapBefore) n += s.remapBefore.ids.byteLength;
  if (s.remapAfter) n += s.remapAfter.ids.byteLength;
  for (const m of s.meta) n += 16 + metaBytes(m.removed) + metaBytes(m.inserted);
  return n;
}
