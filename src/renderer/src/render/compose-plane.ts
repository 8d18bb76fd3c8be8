// One plane of the (Z, Y, X, C) image to RGBA bytes, the way Cellpose's update_plot shows it (A.3):
// raw -> 0..255 display scale (whole-stack min/max) -> per-channel levels -> colour mode.
import type { ColourMode } from './colour-modes.ts';
import { type DisplayScale, type Levels, displayFactor } from './display-scale.ts';
import { GRAY_LUT, SPECTRAL_LUT, channelLut, type Lut } from './luts.ts';
import { type NumericArray, type PlaneGeometry, pixelOffset } from './plane-geometry.ts';
import { LITTLE_ENDIAN, packRgba, smallIntegerDomain } from './raw-byte-table.ts';

export interface ComposeOptions {
  z: number;
  mode: ColourMode;
  /** Display levels per channel (index 0 = gray/red, 1 = green, 2 = blue); missing ones = [0, 255]. */
  levels: readonly Levels[];
  scale: DisplayScale;
  /** Show 255 - intensity (after levels), like Cellpose 3's invert display option. */
  invert: boolean;
}

const RED_LUT = channelLut(0);
const GREEN_LUT = channelLut(1);
const BLUE_LUT = channelLut(2);

/** Per-channel affine map raw -> 0..255 output intensity: out = raw * gain + offset (then clipped).
 *  Folding the min/max scaling and the levels into one gain/offset keeps the inner loop to one
 *  multiply-add per sample, which is what makes a 2048x2048 plane cheap. */
function levelMap(levels: Levels | undefined, scale: DisplayScale): { gain: number; offset: number } {
  const [lo, hi] = levels ?? [0, 255];
  const f = displayFactor(scale);
  const span = Math.max(hi - lo, 1e-6);
  const gain = (f * 255) / span;
  const offset = ((-scale.minValue * f - lo) * 255) / span;
  return { gain, offset };
}

/** Clip to 0..255 and truncate; NaN becomes 0 (NaN comparisons are false, so test it first). */
function toByte(v: number): number {
  if (!(v > 0)) return 0;
  return v >= 255 ? 255 : v | 0;
}

export function composePlaneRgba(
  data: NumericArray,
  g: PlaneGeometry,
  opts: ComposeOptions,
  out: Uint8ClampedArray = new Uint8ClampedArray(g.width * g.height * 4),
): Uint8ClampedArray {
  const nPix = g.width * g.height;
  if (out.length !== nPix * 4) throw new Error(`output buffer has ${out.length} bytes, expected ${nPix * 4}`);
  if (opts.z < 0 || opts.z >= g.nZ) throw new Error(`plane ${opts.z} is outside 0..${g.nZ - 1}`);
  const base = pixelOffset(g, opts.z, 0, 0);
  const nC = g.nChannels;
  const inv = opts.invert;

  if (opts.mode === 'RGB' && nC > 1) {
    // Cellpose shows the first three channels as R, G, B, each with its own levels; a missing
    // third channel is the zero padding Cellpose adds, so it stays black.
    const maps = [0, 1, 2].map((c) => levelMap(opts.levels[c], opts.scale));
    const domain = smallIntegerDomain(data);
    if (domain && LITTLE_ENDIAN) {
      // One raw -> byte table per shown channel, then three reads per pixel.
      const tables = maps.map(({ gain, offset }) => {
        const t = new Uint8Array(domain.count);
        for (let k = 0; k < domain.count; k++) {
          const v = toByte((k + domain.first) * gain + offset);
          t[k] = inv ? 255 - v : v;
        }
        return t;
      });
      const out32 = new Uint32Array(out.buffer, out.byteOffset, nPix);
      const [t0, t1, t2] = tables;
      const first = domain.first;
      for (let i = 0, o = base; i < nPix; i++, o += nC) {
        const r = t0[data[o] - first];
        const gr = t1[data[o + 1] - first];
        const b = nC > 2 ? t2[data[o + 2] - first] : 0;
        out32[i] = ((255 << 24) | (b << 16) | (gr << 8) | r) >>> 0;
      }
      return out;
    }
    for (let i = 0; i < nPix; i++) {
      const o = base + i * nC;
      for (let c = 0; c < 3; c++) {
        let v = c < nC ? toByte(data[o + c] * maps[c].gain + maps[c].offset) : 0;
        if (inv && c < nC) v = 255 - v;
        out[i * 4 + c] = v;
      }
      out[i * 4 + 3] = 255;
    }
    return out;
  }

  // Single-channel modes: Cellpose (nchan == 1) shows channel 0 for every mode, using levels[0];
  // with several channels red/green/blue pick that channel with its own levels, and gray/spectral
  // use the channel mean with levels[0].
  let lut: Lut;
  let channel = 0;
  let mean = false;
  switch (opts.mode) {
    case 'RGB':
    case 'gray':
      lut = GRAY_LUT;
      mean = opts.mode === 'gray' && nC > 1;
      break;
    case 'red':
      lut = RED_LUT;
      channel = 0;
      break;
    case 'green':
      lut = GREEN_LUT;
      channel = nC > 1 ? 1 : 0;
      break;
    case 'blue':
      lut = BLUE_LUT;
      channel = nC > 1 ? 2 : 0;
      break;
    case 'spectral':
      lut = SPECTRAL_LUT;
      mean = nC > 1;
      break;
  }
  const { gain, offset } = levelMap(opts.levels[channel] ?? opts.levels[0], opts.scale);
  // Cellpose averages over its zero-padded 3-channel stack (issue #1422, A.22); we average the real
  // channels (at most the first three, the ones the display knows), so a 2-channel image is not dimmed.
  const nMean = Math.min(nC, 3);
  const missing = channel >= nC; // e.g. blue of a 2-channel image: Cellpose shows its zero padding
  const domain = mean || missing ? null : smallIntegerDomain(data);
  if (domain && LITTLE_ENDIAN) {
    // raw value -> packed RGBA for the whole integer range, then one read and one write per pixel.
    const table = new Uint32Array(domain.count);
    for (let k = 0; k < domain.count; k++) {
      let v = toByte((k + domain.first) * gain + offset);
      if (inv) v = 255 - v;
      table[k] = packRgba(lut[v * 3], lut[v * 3 + 1], lut[v * 3 + 2]);
    }
    const out32 = new Uint32Array(out.buffer, out.byteOffset, nPix);
    const first = domain.first;
    for (let i = 0, o = base + channel; i < nPix; i++, o += nC) out32[i] = table[data[o] - first];
    return out;
  }
  for (let i = 0; i < nPix; i++) {
    const o = base + i * nC;
    let raw: number;
    if (missing) raw = NaN;
    else if (mean) {
      raw = 0;
      for (let c = 0; c < nMean; c++) raw += data[o + c];
      raw /= nMean;
    } else raw = data[o + channel];
    let v = missing ? 0 : toByte(raw * gain + offset);
    if (inv) v = 255 - v;
    const l = v * 3;
    out[i * 4] = lut[l];
    out[i * 4 + 1] = lut[l + 1];
    out[i * 4 + 2] = lut[l + 2];
    out[i * 4 + 3] = 255;
  }
  return out;
}
