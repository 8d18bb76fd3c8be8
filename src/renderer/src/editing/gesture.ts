// What a mouse press on the canvas means (A.7, A.18 plus our tools), as a pure function so the
// modifier rules can be tested. Cellpose: right-click or Shift+left-click traces; Ctrl/Cmd+click
// deletes; Alt+click merges with the selected mask; a plain left-click selects (and, as in
// Cellpose, a left-drag still pans in the select tool).

export type EditTool = 'select' | 'brush' | 'erase' | 'fill' | 'split' | 'region';

export type PressIntent =
  | { kind: 'trace-toggle' }
  | { kind: 'delete' }
  | { kind: 'merge' }
  | { kind: 'select' }
  | { kind: 'paint'; erase: boolean }
  | { kind: 'fill' }
  | { kind: 'split-start' }
  | { kind: 'region-toggle' }
  | { kind: 'none' };

export interface PressInput {
  button: number;
  shiftKey: boolean;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
}

export function pressIntent(e: PressInput, tool: EditTool, tracing: boolean): PressIntent {
  const ctrl = e.ctrlKey || e.metaKey;
  if (e.button === 2 || (e.button === 0 && e.shiftKey && !ctrl && !e.altKey)) {
    // In region mode the traced outline is the "segment only here" region, not a mask.
    return tool === 'region' ? { kind: 'region-toggle' } : { kind: 'trace-toggle' };
  }
  if (e.button !== 0) return { kind: 'none' };
  // A left-click while tracing does nothing in Cellpose (the stroke goes on).
  if (tracing) return { kind: 'none' };
  if (ctrl && !e.altKey) return { kind: 'delete' };
  if (e.altKey && !ctrl) return { kind: 'merge' };
  switch (tool) {
    case 'brush':
      return { kind: 'paint', erase: false };
    case 'erase':
      return { kind: 'paint', erase: true };
    case 'fill':
      return { kind: 'fill' };
    case 'split':
      return { kind: 'split-start' };
    default:
      return { kind: 'select' };
  }
}
