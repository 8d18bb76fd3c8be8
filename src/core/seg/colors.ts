// Mask colours. Cellpose draws from a fixed table: matplotlib's gist_ncar sampled over [0, 0.9]
// and shuffled with seed 42 (GUI_AND_FORMATS.md A.4). We do not ship matplotlib's colormap or
// numpy's shuffle, so we use our own deterministic table with the same useful properties: mask k
// always gets the same colour (entry k-1) whatever the mask count, neighbours in id order look
// different, and colours stay in the mid range (never black or white, which the GUI uses for
// background and selection). Colours stored in a _seg.npy are still honoured on load.

/** Integer hash (a murmur3 finaliser) of k, in [0, 1). */
function hash01(k: number, salt: number): number {
  let h = (k ^ salt) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 4294967296;
}

function hsvToRgb(h: number, s: number, v: number): [number, number, number] {
  const i = Math.floor(h * 6);
  const f = h * 6 - i;
  const p = v * (1 - s);
  const q = v * (1 - f * s);
  const t = v * (1 - (1 - f) * s);
  switch (i % 6) {
    case 0:
      return [v, t, p];
    case 1:
      return [q, v, p];
    case 2:
      return [p, v, t];
    case 3:
      return [p, q, v];
    case 4:
      return [t, p, v];
    default:
      return [v, p, q];
  }
}

/** RGB of mask `id` (1-based), the entry id-1 of the table. */
export function maskColor(id: number): [number, number, number] {
  const k = id - 1;
  // Golden-ratio hue steps spread consecutive ids around the wheel; hashed saturation/value
  // break up ids that land on similar hues.
  const hue = (k * 0.6180339887498949 + 0.11) % 1;
  const sat = 0.55 + 0.4 * hash01(k, 0x9e3779b9);
  const val = 0.7 + 0.28 * hash01(k, 0x7f4a7c15);
  const [r, g, b] = hsvToRgb(hue, sat, val);
  return [Math.round(r * 255), Math.round(g * 255), Math.round(b * 255)];
}

/** The colours of masks 1..n as an (n, 3) u1 table, row-major. */
export function maskColors(n: number): Uint8Array {
  const out = new Uint8Array(n * 3);
  for (let k = 0; k < n; k++) out.set(maskColor(k + 1), k * 3);
  return out;
}
