// The mask overlay (A.4) as two cached layers, so that the X / Z toggles only show or hide one:
//   fills:    each mask in its table colour at alpha 128, the selected mask white;
//   outlines: (200, 200, 255) fully opaque on outline pixels, transparent elsewhere.
// The canvas draws fills, then the outline layer with 'destination-out' (which clears the fills
// under outline pixels), then the outline layer again at opacity 200/255. On its own layer canvas
// that gives exactly composeMaskOverlay's pixels: outline pixels replace fills (Cellpose writes
// them into the same RGBA array), they are not blended over them.
import { MASK_ALPHA, OUTLINE_RGBA } from './mask-overlay.ts';
import type { Rect } from '../editing/overlay-patch.ts';

/** Node opacity that turns the opaque outline layer into Cellpose's alpha 200. */
export const OUTLINE_OPACITY = OUTLINE_RGBA[3] / 255;

/** Fill of mask pixels whose id has no colour row (a hand-edited file): grey, not a crash. */
const NO_COLOUR = 160;

function clipRect(r: Rect, h: number, w: number): Rect {
  const x0 = Math.max(0, Math.floor(r.x0));
  const x1 = Math.min(w, Math.ceil(r.x1));
  const y0 = Math.max(0, Math.floor(r.y0));
  const y1 = Math.min(h, Math.ceil(r.y1));
  return x1 <= x0 || y1 <= y0 ? { x0, x1: x0, y0, y1: y0 } : { x0, x1, y0, y1 };
}

function checkArgs(n: number, shape: readonly [number, number, number], z: number, out: Uint8ClampedArray): void {
  const [nZ, h, w] = shape;
  if (out.length !== h * w * 4) throw new Error(`layer buffer has ${out.length} bytes, expected ${h * w * 4}`);
  if (z < 0 || z >= nZ) throw new Error(`plane ${z} is outside 0..${nZ - 1}`);
  if (n !== nZ * h * w) throw new Error(`labels have ${n} pixels, shape needs ${nZ * h * w}`);
}

/** RGBA of each id's fill (id 0 transparent) as 32-bit words; written byte by byte and read as
 *  words, so it is right on either byte order. */
function fillTable(colours: Uint8Array, selected: number, maxId: number): Uint32Array {
  const nColours = colours.length / 3;
  const bytes = new Uint8ClampedArray((maxId + 1) * 4);
  for (let id = 1; id <= maxId; id++) {
    const o = id * 4;
    if (id === selected) bytes[o] = bytes[o + 1] = bytes[o + 2] = 255;
    else if (id <= nColours) {
      const c = (id - 1) * 3;
      bytes[o] = colours[c];
      bytes[o + 1] = colours[c + 1];
      bytes[o + 2] = colours[c + 2];
    } else bytes[o] = bytes[o + 1] = bytes[o + 2] = NO_COLOUR;
    bytes[o + 3] = MASK_ALPHA;
  }
  return new Uint32Array(bytes.buffer);
}

/**
 * Writes the fills layer of plane z inside `box` (clipped) into `out`, a full-plane RGBA buffer.
 * @param masks (Z, Y, X) labels; @param colours (N, 3), mask k = row k-1; @param selected id shown white (0 = none).
 * @returns the clipped rectangle written.
 */
export function fillLayerRect(
  masks: ArrayLike<number>,
  colours: Uint8Array,
  shape: readonly [number, number, number],
  z: number,
  selected: number,
  box: Rect,
  out: Uint8ClampedArray,
): Rect {
  checkArgs(masks.length, shape, z, out);
  const [, h, w] = shape;
  const r = clipRect(box, h, w);
  const base = z * h * w;
  // Ids past the colour table (and the selected one, if past it) need rows too: one extra row
  // at the end stands for all of them.
  const nRows = Math.max(colours.length / 3, selected) + 1;
  const table = fillTable(colours, selected, nRows);
  const other = table[nRows];
  const out32 = new Uint32Array(out.buffer, out.byteOffset, h * w);
  for (let y = r.y0; y < r.y1; y++) {
    for (let i = y * w + r.x0, e = i + r.x1 - r.x0; i < e; i++) {
      const id = masks[base + i];
      out32[i] = id < nRows ? table[id] : other;
    }
  }
  return r;
}

/** Writes the outline layer of plane z inside `box` (clipped): opaque outline colour on outline pixels. */
export function outlineLayerRect(outlines: Uint8Array, shape: readonly [number, number, number], z: number, box: Rect, out: Uint8ClampedArray): Rect {
  checkArgs(outlines.length, shape, z, out);
  const [, h, w] = shape;
  const r = clipRect(box, h, w);
  const base = z * h * w;
  const out32 = new Uint32Array(out.buffer, out.byteOffset, h * w);
  const on = new Uint32Array(Uint8ClampedArray.of(OUTLINE_RGBA[0], OUTLINE_RGBA[1], OUTLINE_RGBA[2], 255).buffer)[0];
  for (let y = r.y0; y < r.y1; y++) {
    for (let i = y * w + r.x0, e = i + r.x1 - r.x0; i < e; i++) out32[i] = outlines[base + i] ? on : 0;
  }
  return r;
}

/** The whole plane as a rectangle, for the full composes. */
export function planeRect(shape: readonly [number, number, number]): Rect {
  return { x0: 0, x1: shape[2], y0: 0, y1: shape[1] };
}
