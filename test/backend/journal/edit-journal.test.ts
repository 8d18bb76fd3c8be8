// The autosave journal: a session of real edits is replayed exactly onto the saved masks; a crash
// at any byte (simulated by truncating the file) loses at most the record being written; a save
// restarts the journal; foreign or corrupt journals are refused, not applied.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EditJournal, chooseJournalPath, findJournal, homeJournalPath, journalPathFor, recoverJournal } from '../../../src/backend/journal/edit-journal.ts';
import { LabelDocument } from '../../../src/core/editing/label-document.ts';
import { DSB_27, circle, expectSameState, loadDsbMask, rng, snapshot, type Snapshot } from '../../core/editing/helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'cps-journal-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

function base(): { labels: Uint16Array; shape: [number, number] } {
  return loadDsbMask(DSB_27);
}

/** Runs a session of edits with a journal attached; returns the state after each record. */
async function session(imagePath: string): Promise<{ doc: LabelDocument; states: Snapshot[]; journal: EditJournal }> {
  const doc = new LabelDocument(base());
  const journal = await EditJournal.start(imagePath, doc);
  journal.attach(doc);
  const states: Snapshot[] = [snapshot(doc)];
  doc.onStep(() => states.push(snapshot(doc)));
  doc.addMaskFromPolygon(circle(100, 100, 12));
  doc.beginStroke({ label: 5, z: 0, sizePx: 3 });
  doc.extendStroke([[80, 238], [100, 240]]);
  doc.endStroke();
  doc.deleteMask(3);
  doc.mergeMasks(10, 11);
  doc.undo();
  doc.redo();
  doc.undo();
  doc.floodFill(55, 190, 0, 0);
  expect(doc.splitMask(5, [[220, 170], [255, 170]]).ok).toBe(true); // original mask 7, after two removals below it
  await journal.flush();
  return { doc, states, journal };
}

describe('edit journal', () => {
  it('names the journal after the image, or a hashed file under the home folder', () => {
    expect(journalPathFor('/data/exp1/img_003.tif')).toBe('/data/exp1/img_003_seg.npy.journal');
    const p = homeJournalPath('/data/exp1/img_003.tif', '/home/u');
    expect(p).toMatch(/^\/home\/u\/\.cellpose-studio\/journal\/[0-9a-f]{32}\.jnl$/);
  });

  it('journals beside the image when its folder is writable, else under the home folder, and finds either', async () => {
    const image = join(dir, 'g.png');
    expect(await chooseJournalPath(image, join(dir, 'home'))).toBe(journalPathFor(image));
    const unwritable = join(dir, 'no-such-folder', 'h.png');
    const home = join(dir, 'home');
    const path = await chooseJournalPath(unwritable, home);
    expect(path).toBe(homeJournalPath(unwritable, home));
    const doc = new LabelDocument(base());
    const j = await EditJournal.start(unwritable, doc, { path });
    j.attach(doc);
    doc.deleteMask(4);
    await j.close();
    expect(await findJournal(unwritable, home)).toBe(path);
    const rec = await recoverJournal(unwritable, base(), { homeDir: home });
    expect(rec.status).toBe('recovered');
    expect(rec.recordsApplied).toBe(1);
    expectSameState(snapshot(rec.document), snapshot(doc));
  });

  it('replays a whole session exactly, undo history included', async () => {
    const image = join(dir, 'a.png');
    const { doc, states, journal } = await session(image);
    await journal.close();
    expect(states.length).toBe(10);
    const rec = await recoverJournal(image, base());
    expect(rec.status).toBe('recovered');
    expect(rec.recordsApplied).toBe(9);
    expect(rec.tornTailBytes).toBe(0);
    expectSameState(snapshot(rec.document), snapshot(doc));
    // The rebuilt history undoes like the live one.
    expect(rec.document.undoStack.undoDepth).toBe(doc.undoStack.undoDepth);
    rec.document.undo();
    doc.undo();
    expectSameState(snapshot(rec.document), snapshot(doc));
  });

  it('a crash at any byte loses at most the record being written', async () => {
    const image = join(dir, 'b.png');
    const { states, journal } = await session(image);
    await journal.close();
    const full = readFileSync(journal.path);
    const ends: number[] = [];
    const r = rng(5);
    const cuts = new Set<number>([full.length - 1, full.length - 13]);
    for (let k = 0; k < 40; k++) cuts.add(Math.floor(r() * full.length));
    for (const cut of cuts) {
      const path = join(dir, `cut-${cut}.journal`);
      writeFileSync(path, full.subarray(0, cut));
      const rec = await recoverJournal(image, base(), { path });
      if (rec.status === 'unreadable') {
        // Cut inside the header: nothing to replay, and the base is returned untouched.
        expect(rec.recordsApplied).toBe(0);
        expectSameState(snapshot(rec.document), states[0]);
        continue;
      }
      expect(rec.status).toBe('recovered');
      expect(rec.validBytes + rec.tornTailBytes).toBe(cut);
      ends.push(rec.recordsApplied);
      expectSameState(snapshot(rec.document), states[rec.recordsApplied]);
    }
    // The random cuts landed in many different records.
    expect(new Set(ends).size).toBeGreaterThan(4);
  });

  it('resumes after a torn tail: the garbage is cut off and new records follow', async () => {
    const image = join(dir, 'c.png');
    const { journal } = await session(image);
    await journal.close();
    const full = readFileSync(journal.path);
    writeFileSync(journal.path, full.subarray(0, full.length - 7));
    const rec = await recoverJournal(image, base());
    expect(rec.recordsApplied).toBe(8);
    const j2 = await EditJournal.resume(image, rec);
    j2.attach(rec.document);
    rec.document.deleteMask(1);
    await j2.close();
    const again = await recoverJournal(image, base());
    expect(again.recordsApplied).toBe(9);
    expect(again.tornTailBytes).toBe(0);
    expectSameState(snapshot(again.document), snapshot(rec.document));
  });

  it('after a save the journal restarts; a stale journal is refused by fingerprint', async () => {
    const image = join(dir, 'd.png');
    const { doc, journal } = await session(image);
    const stale = readFileSync(journal.path);
    await journal.markSaved(doc);
    const saved = { labels: Uint16Array.from(doc.labels), shape: [256, 256] as [number, number] };
    const rec = await recoverJournal(image, { ...saved, ismanual: doc.ismanualArray(), zdraw: doc.zdrawList() });
    expect(rec.status).toBe('recovered');
    expect(rec.recordsApplied).toBe(0);
    // The old journal against the newly saved masks: not applied.
    writeFileSync(journal.path, stale);
    const refused = await recoverJournal(image, saved);
    expect(refused.status).toBe('base-mismatch');
    expect(refused.recordsApplied).toBe(0);
    await journal.close();
  });

  it('deflates large records (a model re-run) and replays them exactly', async () => {
    const image = join(dir, 'big.png');
    const m = loadDsbMask(DSB_27);
    // 4 x 4 tiles of the real mask: a model re-run with keepManual changes every mask pixel.
    const labels = new Uint16Array(1024 * 1024);
    for (let t = 0; t < 16; t++) {
      for (let y = 0; y < 256; y++) {
        for (let x = 0; x < 256; x++) {
          const v = m.labels[y * 256 + x];
          labels[(Math.floor(t / 4) * 256 + y) * 1024 + (t % 4) * 256 + x] = v === 0 ? 0 : v + 27 * t;
        }
      }
    }
    const doc = new LabelDocument({ labels: new Uint16Array(labels.length), shape: [1024, 1024], trackOutlines: false });
    const journal = await EditJournal.start(image, doc);
    journal.attach(doc);
    doc.addMaskFromPolygon(circle(500, 500, 30));
    doc.replaceFromModel(labels, { keepManual: true });
    await journal.close();
    const size = readFileSync(journal.path).length;
    let changed = 0;
    for (const v of doc.labels) if (v !== 0) changed++;
    expect(size).toBeLessThan(changed * 12 * 0.5);
    const rec = await recoverJournal(image, { labels: new Uint16Array(labels.length), shape: [1024, 1024], trackOutlines: false });
    expect(rec.recordsApplied).toBe(2);
    expect(Buffer.compare(Buffer.from(rec.document.labels.buffer), Buffer.from(doc.labels.buffer))).toBe(0);
  });

  it('refuses a corrupt record in the middle and keeps what came before', async () => {
    const image = join(dir, 'e.png');
    const { states, journal } = await session(image);
    await journal.close();
    const bytes = readFileSync(journal.path);
    // Flip a byte inside the 4th record's payload.
    let pos = 0;
    for (let k = 0; k < 4; k++) pos = bytes.indexOf(Buffer.from('REC1', 'latin1'), pos + 1);
    bytes[pos + 20] ^= 0xff;
    writeFileSync(journal.path, bytes);
    const rec = await recoverJournal(image, base());
    expect(rec.recordsApplied).toBe(3);
    expect(rec.problem).toMatch(/checksum/);
    expectSameState(snapshot(rec.document), states[3]);
  });

  it('says when a file is not a journal, and when there is none', async () => {
    const image = join(dir, 'f.png');
    writeFileSync(journalPathFor(image), Buffer.from('hello world, not a journal'));
    const rec = await recoverJournal(image, base());
    expect(rec.status).toBe('unreadable');
    expect(rec.problem).toMatch(/bad magic/);
    const none = await recoverJournal(join(dir, 'nothing.png'), base());
    expect(none.status).toBe('none');
  });
});
