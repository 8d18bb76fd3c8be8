// Keyboard map of the Cellpose GUI (A.18) as a pure function, so it can be tested and shown in help.
// Decision for our single (2D + 3D) window: ←/A and →/D move to the previous/next image in the folder
// (the 2D GUI's meaning); Shift+←/→ move one Z plane in a stack (the 3D GUI uses plain ←/→ for Z,
// which would clash).

export type KeyAction =
  | { type: 'zoom'; direction: 'in' | 'out' }
  | { type: 'neighbour'; step: 1 | -1 }
  | { type: 'plane'; step: 1 | -1 }
  | { type: 'colour-step'; step: 1 | -1 }
  | { type: 'colour-toggle'; channel: 'red' | 'green' | 'blue' }
  | { type: 'view-step'; step: 1 | -1 }
  | { type: 'toggle-masks' }
  | { type: 'toggle-outlines' }
  | { type: 'open' }
  | { type: 'help' };

export interface KeyInput {
  key: string;
  shiftKey: boolean;
  ctrlKey: boolean;
  altKey: boolean;
  metaKey: boolean;
}

export interface KeyContext {
  hasImage: boolean;
  nZ: number;
}

export function keyAction(e: KeyInput, ctx: KeyContext): KeyAction | null {
  const ctrl = e.ctrlKey || e.metaKey;
  if (ctrl && !e.altKey) {
    const k = e.key.toLowerCase();
    if (k === 'l') return { type: 'open' };
    if (k === 'h') return { type: 'help' };
    return null;
  }
  // Zoom keys always work (A.18), even without an image.
  if (!e.altKey && (e.key === '=' || e.key === '+')) return { type: 'zoom', direction: 'in' };
  if (!e.altKey && e.key === '-') return { type: 'zoom', direction: 'out' };
  if (!ctx.hasImage || e.altKey) return null;
  if (e.shiftKey) {
    if (ctx.nZ > 1 && e.key === 'ArrowLeft') return { type: 'plane', step: -1 };
    if (ctx.nZ > 1 && e.key === 'ArrowRight') return { type: 'plane', step: 1 };
    return null; // plain keys act only with no modifier held (A.18)
  }
  switch (e.key) {
    case 'ArrowLeft':
    case 'a':
    case 'A':
      return { type: 'neighbour', step: -1 };
    case 'ArrowRight':
    case 'd':
    case 'D':
      return { type: 'neighbour', step: 1 };
    case 'ArrowUp':
    case 'w':
    case 'W':
      return { type: 'colour-step', step: -1 };
    case 'ArrowDown':
    case 's':
    case 'S':
      return { type: 'colour-step', step: 1 };
    case 'r':
    case 'R':
      return { type: 'colour-toggle', channel: 'red' };
    case 'g':
    case 'G':
      return { type: 'colour-toggle', channel: 'green' };
    case 'b':
    case 'B':
      return { type: 'colour-toggle', channel: 'blue' };
    case 'PageUp':
      return { type: 'view-step', step: -1 };
    case 'PageDown':
      return { type: 'view-step', step: 1 };
    case 'x':
    case 'X':
      return { type: 'toggle-masks' };
    case 'z':
    case 'Z':
      return { type: 'toggle-outlines' };
    default:
      return null;
  }
}

/** Rows of the help dialog, kept next to the map so they cannot drift apart. */
export const KEY_HELP: ReadonlyArray<readonly [string, string]> = [
  ['Ctrl+L', 'open image'],
  ['← / A, → / D', 'previous / next image in the folder'],
  ['Shift+← / Shift+→', 'previous / next Z plane (stacks; the Z slider does the same)'],
  ['↑ / W, ↓ / S', 'previous / next colour mode'],
  ['R, G, B', 'red / green / blue only; press again for RGB'],
  ['PageUp / PageDown', 'previous / next view (image, gradXY, cellprob, gradZ)'],
  ['X', 'masks on / off'],
  ['Z', 'outlines on / off'],
  ['= or + / -', 'zoom in / out'],
  ['wheel', 'zoom around the cursor'],
  ['left-drag', 'pan'],
  ['double-click', 'full view'],
  ['Ctrl+H', 'this help'],
];
