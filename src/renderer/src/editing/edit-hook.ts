// window.__cellposeEditing: a read-only view of the editing state for the e2e tests and the GUI
// benchmark. It changes nothing in the app.
import { useEditStore } from '../stores/edit.ts';
import type { EditingTestHook } from './edit-hook-types.ts';
import { editTimings } from './edit-timing.ts';
import { repaintTimings, staleLayerPixels } from './mask-surface.ts';
import { useLabelsStore } from '../stores/labels.ts';

declare global {
  interface Window {
    __cellposeEditing?: EditingTestHook;
  }
}

let orthoProbe: EditingTestHook['ortho'] = () => null;

export function setOrthoProbe(fn: EditingTestHook['ortho']): void {
  orthoProbe = fn;
}

export function installEditingHook(): void {
  const edit = useEditStore();
  const labels = useLabelsStore();
  window.__cellposeEditing = Object.freeze({
    labelAt(x: number, y: number, z?: number): number {
      const d = edit.document();
      if (!d) return -1;
      const zz = z ?? edit.currentZ();
      if (x < 0 || y < 0 || x >= d.nx || y >= d.ny || zz < 0 || zz >= d.nz) return -1;
      return d.labels[(zz * d.ny + y) * d.nx + x];
    },
    count: () => edit.document()?.count ?? 0,
    selected: () => edit.selectedInfo?.id ?? 0,
    undoDepth: () => edit.document()?.undoStack.undoDepth ?? 0,
    ismanual: () => Array.from(edit.document()?.ismanualArray() ?? [], (v) => v !== 0),
    labelsDigest() {
      const d = edit.document();
      let sum = 0;
      let nonzero = 0;
      let weighted = 0;
      if (d) {
        const l = d.labels;
        for (let i = 0; i < l.length; i++) {
          sum += l[i];
          weighted += l[i] * (i % 7919);
          if (l[i]) nonzero++;
        }
      }
      return { sum, nonzero, weighted };
    },
    ortho: () => orthoProbe(),
    timings: () => editTimings(),
    repaintMs: () => repaintTimings().slice(),
    overlayStalePx: () => {
      const l = labels.layer;
      return l ? staleLayerPixels(l) : null;
    },
    saves: () => edit.saves,
    dirty: () => edit.dirty,
    message: () => edit.message,
  });
}
