// Keys of mask editing: Cellpose's (A.18: Ctrl+Z/Y, Ctrl+0, Ctrl+S, ',' '.', Enter) plus our tool
// keys. Tool letters avoid every plain key of A.18 (A/D/W/S/R/G/B/X/Z and the arrows), which the
// view map in keys.ts owns; Ctrl+Shift+Z is the common redo alias.
import type { EditTool } from './gesture.ts';

export type EditKeyAction =
  | { type: 'undo' }
  | { type: 'redo' }
  | { type: 'clear-all' }
  | { type: 'save' }
  | { type: 'brush-size'; step: 1 | -1 }
  | { type: 'finish' }
  | { type: 'cancel' }
  | { type: 'tool'; tool: EditTool }
  | { type: 'help' };

export interface EditKeyInput {
  key: string;
  shiftKey: boolean;
  ctrlKey: boolean;
  altKey: boolean;
  metaKey: boolean;
}

const TOOL_KEYS: Readonly<Record<string, EditTool>> = { v: 'select', p: 'brush', e: 'erase', f: 'fill', k: 'split', m: 'region' };

export function editKeyAction(e: EditKeyInput, hasImage: boolean): EditKeyAction | null {
  const ctrl = e.ctrlKey || e.metaKey;
  if (e.key === '?' && !ctrl && !e.altKey) return { type: 'help' };
  if (!hasImage) return null;
  if (ctrl && !e.altKey) {
    const k = e.key.toLowerCase();
    if (k === 'z') return e.shiftKey ? { type: 'redo' } : { type: 'undo' };
    if (k === 'y') return { type: 'redo' };
    if (k === '0' && !e.shiftKey) return { type: 'clear-all' };
    if (k === 's' && !e.shiftKey) return { type: 'save' };
    return null;
  }
  if (e.altKey || e.shiftKey) return null;
  if (e.key === ',') return { type: 'brush-size', step: -1 };
  if (e.key === '.') return { type: 'brush-size', step: 1 };
  if (e.key === 'Enter') return { type: 'finish' };
  if (e.key === 'Escape') return { type: 'cancel' };
  const tool = TOOL_KEYS[e.key.toLowerCase()];
  return tool ? { type: 'tool', tool } : null;
}

/** Rows of the `?` overlay for editing (the view keys come from keys.ts's KEY_HELP). */
export const EDIT_KEY_HELP: ReadonlyArray<readonly [string, string]> = [
  ['right-click, or Shift+left-click', 'start a traced outline; again (or back near the start) to close it into a mask'],
  ['move (no button held)', 'draw the outline while tracing'],
  ['left-click on a mask', 'select it (id, area, hand-drawn shown); on background: unselect'],
  ['Ctrl/Cmd+left-click', 'delete the mask (ids above shift down)'],
  ['Alt+left-click', 'merge that mask into the selected one'],
  ['V', 'select tool (left-drag pans)'],
  ['P', 'brush: paint the selected mask (or a new one)'],
  ['E', 'eraser'],
  ['F', 'flood fill with the selected mask (or a new one)'],
  ['K', 'split: drag a line across a mask'],
  ['M', 'region tool: trace the area "segment only inside" uses'],
  [', / .', 'brush size smaller / larger (1, 3, 5, 7, 9 px)'],
  ['Enter', 'finish a multi-stroke mask / interpolate the selected mask in Z'],
  ['Escape', 'cancel the outline being traced'],
  ['Ctrl+Z', 'undo (multi-level; a whole stroke is one step)'],
  ['Ctrl+Y, Ctrl+Shift+Z', 'redo'],
  ['Ctrl+0', 'clear all masks (undoable)'],
  ['Ctrl+S', 'save _seg.npy'],
  ['?', 'this list of shortcuts'],
];
