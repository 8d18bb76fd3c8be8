// Cellpose's manual_changes log derived from edits on a real mask.
import { describe, expect, it } from 'vitest';
import { LabelDocument } from '../../../src/core/editing/label-document.ts';
import { cellposeTimestamp, trackManualChanges, type ManualChange } from '../../../src/core/editing/manual-changes.ts';
import { DSB_27, circle, loadDsbMask } from './helpers.ts';

describe('manual_changes log', () => {
  it('formats time as Cellpose does', () => {
    expect(cellposeTimestamp(new Date(2026, 2, 7, 9, 5, 3))).toBe('03/07/2026, 09:05:03');
  });

  it('logs drawn masks as "added mask" and deleted ones as "removed mask" with their pixels', () => {
    const m = loadDsbMask(DSB_27);
    const doc = new LabelDocument({ labels: m.labels, shape: m.shape });
    const log: ManualChange[] = [];
    trackManualChanges(doc, log, () => new Date(2026, 0, 2, 3, 4, 5));
    doc.addMaskFromPolygon(circle(100, 100, 10));
    doc.deleteMask(5);
    doc.clearAll();
    doc.undo();
    doc.replaceFromModel(m.labels, { keepManual: true });
    doc.mergeMasks(1, 2);
    expect(log.map((c) => c.action)).toEqual(['added mask', 'removed mask', 'removed mask']);
    expect(log[0].time).toBe('01/02/2026, 03:04:05');
    let n5 = 0;
    for (const v of m.labels) if (v === 5) n5++;
    expect(log[1].rows.length).toBe(n5);
    for (let i = 0; i < log[1].rows.length; i++) expect(m.labels[log[1].rows[i] * 256 + log[1].cols[i]]).toBe(5);
    expect(log[0].rows.length).toBeGreaterThan(250);
    for (let i = 1; i < log[0].rows.length; i++) expect(log[0].rows[i] * 256 + log[0].cols[i]).toBeGreaterThan(log[0].rows[i - 1] * 256 + log[0].cols[i - 1]);
  });
});
