// Mouse input of the editing tools, called by ImageCanvas before its own pan handling: each handler
// returns true when it consumed the event (then the canvas does not pan). Coordinates are image
// pixels (floored), as Cellpose records the centre pixel of each brush stamp.
import { shallowRef } from 'vue';
import { useEditStore } from '../stores/edit.ts';
import { pressIntent } from './gesture.ts';
import { TraceRecorder } from './trace-closer.ts';

/** What the shapes layer draws: the outline being traced, its start circle, a split line. */
export const traceShape = shallowRef<{ points: number[]; start: [number, number]; radiusPx: number; region: boolean } | null>(null);
export const splitShape = shallowRef<number[] | null>(null);
/** The traced "segment only inside" region outline, kept until cleared (image pixels). */
export const regionOutline = shallowRef<Array<[number, number]> | null>(null);

let trace: TraceRecorder | null = null;
let traceIsRegion = false;
let painting = false;
let split: Array<[number, number]> | null = null;

function showTrace(): void {
  if (!trace) {
    traceShape.value = null;
    return;
  }
  const flat: number[] = [];
  for (const [x, y] of trace.points) flat.push(x + 0.5, y + 0.5);
  traceShape.value = { points: flat, start: [trace.start.x + 0.5, trace.start.y + 0.5], radiusPx: trace.closeRadiusPx, region: traceIsRegion };
}

function closeTrace(): void {
  const t = trace;
  trace = null;
  showTrace();
  if (!t) return;
  if (traceIsRegion) regionOutline.value = t.points.map((p) => [p[0], p[1]]);
  else useEditStore().traceClosed(t.points);
}

export function isTracing(): boolean {
  return trace !== null;
}

export function cancelTrace(): void {
  trace = null;
  showTrace();
}

export interface PointerEventLike {
  button: number;
  buttons: number;
  shiftKey: boolean;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
}

export function editPointerDown(e: PointerEventLike, x: number, y: number): boolean {
  const edit = useEditStore();
  const intent = pressIntent(e, edit.tool, trace !== null);
  switch (intent.kind) {
    case 'trace-toggle':
    case 'region-toggle':
      if (trace) closeTrace();
      else {
        traceIsRegion = intent.kind === 'region-toggle';
        trace = new TraceRecorder({ x, y, brushPx: edit.brushPx });
        showTrace();
      }
      return true;
    case 'delete':
      edit.deleteAt(x, y);
      return true;
    case 'merge':
      edit.mergeAt(x, y);
      return true;
    case 'paint':
      painting = edit.beginPaint(x, y, intent.erase);
      return true;
    case 'fill':
      edit.fillAt(x, y);
      return true;
    case 'split-start':
      split = [[x + 0.5, y + 0.5]];
      splitShape.value = split.flat();
      return true;
    case 'select':
      // A click selects (and moves the ortho crosshair); a drag still pans (not consumed).
      edit.select(x, y);
      edit.crosshair = { x, y };
      return false;
    default:
      return trace !== null;
  }
}

export function editPointerMove(e: PointerEventLike, x: number, y: number): boolean {
  if (trace) {
    if (trace.add(x, y) === 'closed') closeTrace();
    else showTrace();
    return true;
  }
  if (painting) {
    if (e.buttons & 1) useEditStore().extendPaint(x, y);
    return true;
  }
  if (split) {
    split.push([x + 0.5, y + 0.5]);
    splitShape.value = split.flat();
    return true;
  }
  return false;
}

export function editPointerUp(): boolean {
  if (painting) {
    painting = false;
    useEditStore().endPaint();
    return true;
  }
  if (split) {
    const line = split;
    split = null;
    splitShape.value = null;
    useEditStore().splitAlong(line);
    return true;
  }
  return false;
}
