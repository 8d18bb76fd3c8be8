// red=R / green=G / blue=B as a tint of the RGB picture. Each of those modes shows one channel
// through a pure-colour ramp (0 -> black, 255 -> full colour), and with the same levels and invert
// that channel is exactly the matching channel of the RGB composite (a 1-channel image's RGB
// picture is grey, so every channel of it is that channel). The canvas therefore draws the cached
// RGB plane multiplied by pure red, green or blue, and switching among RGB, red, green and blue
// recomposes nothing. Where the identity fails, the mode is composed in full instead.
import type { ColourMode } from './colour-modes.ts';

export type TintChannel = 0 | 1 | 2;

export interface TintPlan {
  /** The colour mode whose picture is composed (and cached). */
  base: ColourMode;
  /** Channel kept by the multiply tint, or null to show `base` as it is. */
  tint: TintChannel | null;
}

const CHANNEL_OF: Partial<Record<ColourMode, TintChannel>> = { red: 0, green: 1, blue: 2 };

/** Pure colour of a tint, as the CSS fill of the multiply rectangle. */
export const TINT_FILL: Readonly<Record<TintChannel, string>> = { 0: 'rgb(255,0,0)', 1: 'rgb(0,255,0)', 2: 'rgb(0,0,255)' };

/**
 * @param nChannels channels of the image; @param nLevels entries of the levels list (a channel
 * without its own levels is shown at [0, 255] in RGB but with levels[0] in its own mode).
 */
export function tintPlan(mode: ColourMode, nChannels: number, invert: boolean, nLevels: number): TintPlan {
  // One channel: gray is the RGB picture (both show channel 0 through the grey ramp).
  if (mode === 'gray' && nChannels === 1) return { base: 'RGB', tint: null };
  const c = CHANNEL_OF[mode];
  if (c === undefined) return { base: mode, tint: null };
  if (nChannels === 1) return { base: 'RGB', tint: c };
  // A channel the image lacks: RGB shows Cellpose's zero padding as 0 even when inverted, the
  // channel's own mode shows it as 255 when inverted.
  if (c >= nChannels && invert) return { base: mode, tint: null };
  if (c < nChannels && c >= nLevels) return { base: mode, tint: null };
  return { base: 'RGB', tint: c };
}
