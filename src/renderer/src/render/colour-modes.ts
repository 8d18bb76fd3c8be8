// The colour-mode dropdown of the Cellpose GUI (A.3): six modes, ↑/W and ↓/S cycle with wrap-around,
// R/G/B jump to one channel and a second press of the same key returns to RGB.

export const COLOUR_MODES = ['RGB', 'red', 'green', 'blue', 'gray', 'spectral'] as const;
export type ColourMode = (typeof COLOUR_MODES)[number];

/** The labels Cellpose shows in its dropdown. */
export const COLOUR_MODE_LABELS: Record<ColourMode, string> = {
  RGB: 'RGB',
  red: 'red=R',
  green: 'green=G',
  blue: 'blue=B',
  gray: 'gray',
  spectral: 'spectral',
};

export function isColourMode(v: unknown): v is ColourMode {
  return typeof v === 'string' && (COLOUR_MODES as readonly string[]).includes(v);
}

export function stepColourMode(mode: ColourMode, step: 1 | -1): ColourMode {
  const n = COLOUR_MODES.length;
  const i = COLOUR_MODES.indexOf(mode);
  return COLOUR_MODES[(i + step + n) % n];
}

/** R/G/B keys: go to that channel's mode, or back to RGB when it is already shown. */
export function toggleChannelMode(mode: ColourMode, target: 'red' | 'green' | 'blue'): ColourMode {
  return mode === target ? 'RGB' : target;
}
