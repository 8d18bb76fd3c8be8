// The autosave journal behind the contract: opening writes nothing; a model step alone writes
// nothing; the first hand edit starts the journal from the masks on disk; a "crash" (a new service,
// nothing saved) recovers every step; after a save the journal restarts and recovers nothing; bad
// input gives clear errors. Real masks: the StarDist DSB sample's mask2d.tif.
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LabelDocument } from '../../../src/core/editing/label-document.ts';
import { encodeStep } from '../../../src/core/editing/step-codec.ts';
import type { EditStep } from '../../../src/core/editing/edit-step.ts';
import type { WireArray } from '../../../src/shared/contract.ts';
import { createJournalService } from '../../../src/backend/services/journal-service.ts';
import { journalPathFor } from '../../../src/backend/journal/edit-journal.ts';
import { asUint16, pythonArray } from '../../renderer/python-truth.ts';
import { sharedPath } from '../../helpers/shared-data.ts';

const MASK2D = sharedPath('data/stardist-dsb2018-sample-2d/mask2d.tif');

function wire(labels: Uint16Array, shape: number[]): WireArray {
  return { dtype: 'uint16', shape, data: labels.slice().buffer };
}

function stepWire(s: EditStep): WireArray {
  const b = encodeStep(s);
  return { dtype: 'uint8', shape: [b.length], data: b.slice().buffer };
}

describe('journal service', () => {
  const img = pythonArray(`out = tifffile.imread(${JSON.stringify(MASK2D)})`);
  const [h, w] = img.shape;
  const masks = asUint16(img);

  it('recovers every hand edit after a crash, writes nothing before the first one, and nothing to recover after a save', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'cps-journal-svc-'));
    const imagePath = path.join(dir, 'img2d.tif');
    const home = mkdtempSync(path.join(tmpdir(), 'cps-journal-home-'));
    // The renderer's document: loaded from the masks "on disk", with every applied step recorded.
    const doc = new LabelDocument({ labels: masks, shape: [h, w] });
    const sent: Array<{ step: EditStep; source: 'edit' | 'undo' | 'redo' }> = [];
    doc.onStep((step, source) => sent.push({ step, source }));
    const base = { imagePath, masks: wire(doc.labels as Uint16Array, [1, h, w]), shape: [1, h, w], ismanual: new Array<boolean>(doc.count).fill(false) };

    const svc = createJournalService({ homeDir: home });
    const opened = await svc.journalOpen(base);
    expect(opened.recoveredSteps).toBe(0);
    expect(existsSync(journalPathFor(imagePath))).toBe(false);

    // A model re-run keeping nothing (replace with the same masks shifted by one id order) is kept
    // in memory only.
    const model = new Uint16Array(doc.labels);
    for (let i = 0; i < model.length; i++) if (model[i] === 1) model[i] = 0;
    expect(doc.replaceFromModel(model, { keepManual: true }).ok).toBe(true);
    expect(doc.addMaskFromPolygon([[150, 20], [190, 20], [190, 60], [150, 60], [150, 50], [150, 40], [150, 30], [160, 20], [170, 20]]).ok).toBe(true);
    expect(doc.deleteMask(7).ok).toBe(true);
    expect(doc.undo()).toBe(true);
    expect(doc.mergeMasks(3, 4).ok).toBe(true);
    for (const [i, s] of sent.entries()) {
      await svc.journalAppend({ imagePath, source: s.source, step: stepWire(s.step) });
      if (i === 0) expect(existsSync(journalPathFor(imagePath))).toBe(false);
    }
    expect(existsSync(journalPathFor(imagePath))).toBe(true);
    await svc.dispose(); // the "crash": nothing was saved

    const again = createJournalService({ homeDir: home });
    const rec = await again.journalOpen(base);
    expect(rec.recoveredSteps).toBe(sent.length);
    const got = new Uint16Array(rec.recovered?.masks.data ?? new ArrayBuffer(0));
    expect(got.length).toBe(h * w);
    let diff = 0;
    for (let i = 0; i < got.length; i++) if (got[i] !== doc.labels[i]) diff++;
    expect(diff).toBe(0);
    expect(rec.recovered?.ismanual).toEqual(Array.from(doc.ismanualArray(), (v) => v !== 0));

    // Saved: the journal restarts from the saved masks, and a reopen with those recovers nothing.
    await again.journalSaved({ imagePath });
    await again.dispose();
    const third = createJournalService({ homeDir: home });
    const savedBase = { ...base, masks: wire(doc.labels as Uint16Array, [1, h, w]), ismanual: Array.from(doc.ismanualArray(), (v) => v !== 0) };
    expect((await third.journalOpen(savedBase)).recoveredSteps).toBe(0);
    await third.journalDiscard({ imagePath });
    expect(existsSync(journalPathFor(imagePath))).toBe(false);
    await third.dispose();
  });

  it('refuses bad requests with messages that name the problem', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'cps-journal-bad-'));
    const imagePath = path.join(dir, 'a.tif');
    const svc = createJournalService({ homeDir: dir });
    await expect(svc.journalAppend({ imagePath, source: 'edit', step: { dtype: 'uint8', shape: [1], data: new ArrayBuffer(1) } })).rejects.toThrow(/no journal is open/);
    await expect(svc.journalOpen({ imagePath, masks: null, shape: [1, -3, 4], ismanual: [] })).rejects.toThrow(/shape/);
    await expect(svc.journalOpen({ imagePath, masks: { dtype: 'uint16', shape: [2, 2], data: new ArrayBuffer(3) }, shape: [1, 2, 2], ismanual: [] })).rejects.toThrow(/bytes/);
    await svc.journalOpen({ imagePath, masks: null, shape: [1, 8, 8], ismanual: [] });
    await expect(svc.journalAppend({ imagePath, source: 'edit', step: { dtype: 'uint8', shape: [5], data: new Uint8Array([1, 2, 3, 4, 5]).buffer } })).rejects.toThrow();
    await expect(svc.journalAppend({ imagePath, source: 'bogus' as 'edit', step: { dtype: 'uint8', shape: [1], data: new ArrayBuffer(1) } })).rejects.toThrow(/source/);
    await svc.dispose();
  });
});
