// Property test: random sequences of every operation (seeded) on a real mask. After each edit the
// invariants hold (contiguous ids, bookkept areas, incremental outlines == full recomputation);
// undoing everything restores the original bytes and redoing everything restores the final state.
import { describe, expect, it } from 'vitest';
import { LabelDocument } from '../../../src/core/editing/label-document.ts';
import { DSB_27, checkInvariants, circle, expectSameState, loadDsbMask, rng, snapshot } from './helpers.ts';

function randomEdit(doc: LabelDocument, r: () => number, model: Uint16Array): string {
  const n = doc.count;
  const int = (k: number): number => Math.floor(r() * k);
  const pick = (): number => 1 + int(Math.max(n, 1));
  const op = int(10);
  switch (op) {
    case 0: {
      const res = doc.addMaskFromPolygon(circle(int(256), int(256), 4 + int(14), 9 + int(30)));
      return `trace ${res.ok}`;
    }
    case 1:
      return `delete ${n > 0 && doc.deleteMask(pick()).ok}`;
    case 2:
      return `bulk ${n > 2 && doc.deleteMasks([pick(), pick(), pick()]).ok}`;
    case 3:
      return `merge ${n > 1 && doc.mergeMasks(pick(), pick()).ok}`;
    case 4:
    case 5: {
      const label = int(n + 2);
      doc.beginStroke({ label, z: 0, sizePx: 1 + int(9), footprint: r() < 0.5 ? 'square' : 'round', preserveLabels: r() < 0.5, selectedLabel: r() < 0.3 ? pick() : undefined });
      const pts = Array.from({ length: 1 + int(4) }, () => [int(256), int(256)] as [number, number]);
      for (const p of pts) doc.extendStroke([p]);
      return `brush ${doc.endStroke().ok}`;
    }
    case 6:
      return `fill ${doc.floodFill(int(256), int(256), 0, int(n + 2)).ok}`;
    case 7: {
      if (n === 0) return 'split skipped';
      const id = pick();
      const b = doc.tightBox(id);
      const y = Math.floor((b.y0 + b.y1) / 2);
      return `split ${doc.splitMask(id, [[b.x0 - 2, y - 1 + int(3)], [b.x1 + 2, y - 1 + int(3)]]).ok}`;
    }
    case 8:
      return `replace ${doc.replaceFromModel(model, { keepManual: r() < 0.7 }).ok}`;
    default:
      return `clear ${r() < 0.1 && doc.clearAll().ok}`;
  }
}

describe('random edit sequences on a real mask', () => {
  for (const seed of [1, 2, 3]) {
    it(`seed ${seed}: invariants hold, undo-all restores the original, redo-all the final state`, () => {
      const m = loadDsbMask(DSB_27);
      const doc = new LabelDocument({ labels: m.labels, shape: m.shape, undo: { maxSteps: 1000 } });
      const original = snapshot(doc);
      const r = rng(seed);
      const log: string[] = [];
      for (let k = 0; k < 30; k++) {
        log.push(randomEdit(doc, r, m.labels));
        checkInvariants(doc);
      }
      // Most kinds of edit must really have happened, or the test proves little.
      const kinds = new Set(log.filter((l) => l.endsWith(" true")).map((l) => l.split(" ")[0]));
      expect(kinds.size).toBeGreaterThanOrEqual(5);
      const final = snapshot(doc);
      const steps = doc.undoStack.undoDepth;
      expect(steps).toBeGreaterThan(10);
      let undone = 0;
      while (doc.undo()) {
        undone++;
        if (undone % 7 === 0) checkInvariants(doc);
      }
      expect(undone).toBe(steps);
      expectSameState(snapshot(doc), original);
      while (doc.redo());
      expectSameState(snapshot(doc), final);
      checkInvariants(doc);
    });
  }
});
