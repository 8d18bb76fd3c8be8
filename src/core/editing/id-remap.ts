// Lookup tables for renumbering ids (Cellpose keeps ids contiguous 1..N: removing id k shifts every
// id above k down by one). A table of N+1 entries replaces a per-pixel search.
import type { IdRemap } from './edit-step.ts';

/** Throws unless `ids` is strictly increasing and within 1..limit. */
export function checkIdList(ids: Uint32Array, limit: number, what: string): void {
  let prev = 0;
  for (let i = 0; i < ids.length; i++) {
    const v = ids[i];
    if (v <= prev || v > limit) throw new RangeError(`${what}: id list must be increasing within 1..${limit}, got ${v} after ${prev}`);
    prev = v;
  }
}

/**
 * Old id -> new id for a remap applied to a document holding `count` masks. For `remove`, removed
 * ids map to 0 (their pixels must already be background). Returns the table and the new count.
 */
export function remapTable(r: IdRemap, count: number): { lut: Uint32Array; newCount: number } {
  if (r.kind === 'remove') {
    checkIdList(r.ids, count, 'remove remap');
    const lut = new Uint32Array(count + 1);
    let k = 0;
    for (let v = 1; v <= count; v++) {
      if (k < r.ids.length && r.ids[k] === v) {
        k++;
        lut[v] = 0;
      } else lut[v] = v - k;
    }
    return { lut, newCount: count - r.ids.length };
  }
  const newCount = count + r.ids.length;
  checkIdList(r.ids, newCount, 'insert remap');
  const lut = new Uint32Array(count + 1);
  let k = 0;
  let next = 1;
  for (let v = 1; v <= count; v++) {
    while (k < r.ids.length && r.ids[k] === next) {
      k++;
      next++;
    }
    lut[v] = next++;
  }
  return { lut, newCount };
}

/** Applies a lookup table in place to every value of a label array. */
export function applyTable(values: Uint16Array | Uint32Array, lut: Uint32Array): void {
  const n = lut.length;
  // Ids below the first changed one keep their value: skipping their writes halves the memory
  // traffic of the usual case (deleting one mask of thousands).
  let first = 1;
  while (first < n && lut[first] === first) first++;
  if (first >= n) return;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v >= first && v < n) values[i] = lut[v];
  }
}
