// Colour look-up tables of the Cellpose GUI (A.3): 256 RGB entries each, packed as r,g,b bytes.
// They are pure data; the renderer indexes them with a display value 0..255.

export type Lut = Uint8Array; // length 256 * 3

/** Build a 256-entry table by linear interpolation between (index, value) knots per channel. */
function fromKnots(knots: readonly [ReadonlyArray<readonly [number, number]>, ReadonlyArray<readonly [number, number]>, ReadonlyArray<readonly [number, number]>]): Lut {
  const lut = new Uint8Array(256 * 3);
  for (let c = 0; c < 3; c++) {
    const ks = knots[c];
    for (let k = 0; k + 1 < ks.length; k++) {
      const [i0, v0] = ks[k];
      const [i1, v1] = ks[k + 1];
      for (let i = i0; i <= i1; i++) {
        lut[i * 3 + c] = Math.round(v0 + ((v1 - v0) * (i - i0)) / (i1 - i0));
      }
    }
  }
  return lut;
}

/** Cellpose's "spectral" colour mode: black -> purple -> blue -> green -> yellow -> red -> pink.
 *  The upstream table is piecewise linear; these knots reproduce every entry to within 1 level
 *  (checked against the upstream table when this was written), which is invisible on screen. */
export const SPECTRAL_LUT: Lut = fromKnots([
  [[0, 0], [32, 128], [48, 128], [64, 0], [96, 0], [160, 255], [255, 255]],
  [[0, 0], [10, 10], [32, 0], [64, 255], [80, 128], [160, 255], [224, 0], [255, 254]],
  [[0, 0], [32, 255], [64, 255], [96, 128], [160, 0], [224, 0], [255, 254]],
]);

/** One pure-colour ramp per channel: red=R, green=G, blue=B modes (0 -> black, 255 -> full colour). */
export function channelLut(channel: 0 | 1 | 2): Lut {
  const lut = new Uint8Array(256 * 3);
  for (let i = 0; i < 256; i++) lut[i * 3 + channel] = i;
  return lut;
}

export const GRAY_LUT: Lut = (() => {
  const lut = new Uint8Array(256 * 3);
  for (let i = 0; i < 256; i++) lut[i * 3] = lut[i * 3 + 1] = lut[i * 3 + 2] = i;
  return lut;
})();

/** Blue-white-red table of the cellprob and gradZ views: 0 -> blue, 127/128 -> white, 255 -> red. */
export const BWR_LUT: Lut = (() => {
  const lut = new Uint8Array(256 * 3);
  for (let i = 0; i < 256; i++) {
    // Two ramps of 128 steps each, as np.linspace(0, 255, 128) produces them (truncated to uint8).
    const up = i < 128 ? Math.trunc((255 * i) / 127) : 255;
    const down = i < 128 ? 255 : Math.trunc((255 * (255 - i)) / 127);
    lut[i * 3] = up;
    lut[i * 3 + 1] = i < 128 ? up : down;
    lut[i * 3 + 2] = down;
  }
  return lut;
})();
