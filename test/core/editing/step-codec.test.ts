// The binary form of edit steps: real steps round-trip exactly, and truncated or corrupted bytes
// give a clear FormatError, never a crash, a hang or a huge allocation.
import { describe, expect, it } from 'vitest';
import { FormatError } from '../../../src/core/errors.ts';
import type { EditStep } from '../../../src/core/editing/edit-step.ts';
import { LabelDocument } from '../../../src/core/editing/label-document.ts';
import { decodeStep, encodeStep } from '../../../src/core/editing/step-codec.ts';
import { DSB_27, circle, loadDsbMask, rng } from './helpers.ts';

function realSteps(): EditStep[] {
  const m = loadDsbMask(DSB_27);
  const doc = new LabelDocument({ labels: m.labels, shape: m.shape, trackOutlines: false });
  const steps: EditStep[] = [];
  doc.onStep((s) => steps.push(s));
  doc.addMaskFromPolygon(circle(100, 100, 12));
  doc.deleteMasks([3, 9]);
  doc.mergeMasks(1, 2);
  doc.beginStroke({ label: 4, z: 0, sizePx: 5 });
  doc.extendStroke([[10, 10], [60, 40]]);
  doc.endStroke();
  doc.replaceFromModel(m.labels, { keepManual: true });
  doc.undo();
  return steps;
}

describe('edit step codec', () => {
  it('round-trips real steps (atoms, remaps, metadata with zdraw) exactly', () => {
    const steps = realSteps();
    expect(steps.length).toBe(6);
    for (const s of steps) {
      const back = decodeStep(encodeStep(s));
      expect(back.name).toBe(s.name);
      expect(back).toEqual(s);
    }
  });

  it('rejects every truncation of a record with a FormatError', () => {
    const bytes = encodeStep(realSteps()[1]);
    for (let n = 0; n < bytes.length; n += Math.max(1, Math.floor(bytes.length / 300))) {
      expect(() => decodeStep(bytes.subarray(0, n))).toThrow(FormatError);
    }
  });

  it('survives random corruption: decodes or throws FormatError, never anything else', () => {
    const bytes = encodeStep(realSteps()[0]);
    const r = rng(11);
    let rejected = 0;
    for (let k = 0; k < 300; k++) {
      const b = Uint8Array.from(bytes);
      for (let j = 0; j < 3; j++) b[Math.floor(r() * Math.min(b.length, 80))] = Math.floor(r() * 256);
      try {
        decodeStep(b);
      } catch (e) {
        expect(e).toBeInstanceOf(FormatError);
        rejected++;
      }
    }
    expect(rejected).toBeGreaterThan(50);
  });

  it('refuses a huge declared count without allocating it', () => {
    const b = encodeStep({ name: 'x', remapBefore: null, atoms: [], remapAfter: null, meta: [] });
    const view = new DataView(b.buffer, b.byteOffset);
    view.setUint32(4 + 2 + 1 + 1, 0xffffffff, true); // atom count
    expect(() => decodeStep(b)).toThrow(/does not fit/);
  });
});
