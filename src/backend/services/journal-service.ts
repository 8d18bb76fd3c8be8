// The autosave journal behind the contract (GUI "no lost work"): the renderer appends every applied
// edit step (encoded with core/editing/step-codec) and the backend fsyncs it, so a crash of either
// process loses at most the stroke in flight. The service keeps a mirror LabelDocument per image,
// replaying each appended step, because the journal's header after a save fingerprints the saved
// masks and the renderer's masks never need to cross the wire again for that.
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { JournalOpenRequest, JournalOpenResult, JournalStepRequest, WireArray } from '../../shared/contract.ts';
import { LabelDocument, type LabelDocumentInit } from '../../core/editing/label-document.ts';
import { decodeStep } from '../../core/editing/step-codec.ts';
import type { EditStep } from '../../core/editing/edit-step.ts';
import type { RecordSource } from '../journal/journal-format.ts';
import { EditJournal, chooseJournalPath, recoverJournal } from '../journal/edit-journal.ts';
import { labelsFromWire } from './wire-labels.ts';
import { BadRequestError, requireString } from './service-errors.ts';

interface OpenJournal {
  /**
   * Created at the first hand edit, so opening an image or running a model writes nothing next to
   * it (Cellpose writes nothing then either, A.16); model steps before it wait in `pending`.
   */
  journal: EditJournal | null;
  mirror: LabelDocument;
  /** The masks the journal will start from (those on disk at open). */
  base: LabelDocumentInit;
  pending: Array<{ step: EditStep; source: RecordSource }>;
  /** Where an older journal of this image lies (recovery looked there), for discard. */
  foundPath: string;
}

/** Name of core's replace-from-model step (a model run, or masks loaded from a file). */
const MODEL_STEP_NAME = 'masks from model';

/** Most step bytes one append may carry (a model re-run on a 4096^2 image is ~70 MB of atoms). */
const MAX_STEP_BYTES = 512 * 1024 * 1024;

/** Largest image a journal is kept for (the renderer shows at most this many pixels anyway). */
const MAX_PIXELS = 2 ** 31;

function baseFrom(method: string, req: JournalOpenRequest): LabelDocumentInit {
  if (req.masks === null || req.masks === undefined) {
    const s = req.shape;
    if (!Array.isArray(s) || s.length !== 3 || !s.every((d) => Number.isInteger(d) && d > 0)) {
      throw new BadRequestError(method, `"shape" ${JSON.stringify(s)} must be (Z, Y, X) with positive sizes`);
    }
    const n = s[0] * s[1] * s[2];
    if (n > MAX_PIXELS) throw new BadRequestError(method, `image of ${n} pixels is too large for a journal`);
    return { labels: new Uint16Array(n), shape: s[0] === 1 ? [s[1], s[2]] : s };
  }
  const l = labelsFromWire(method, 'masks', req.masks);
  const n = Array.isArray(req.ismanual) ? req.ismanual.length : 0;
  return {
    labels: l.data,
    shape: l.shape[0] === 1 ? [l.shape[1], l.shape[2]] : l.shape,
    ismanual: n ? req.ismanual : undefined,
    zdraw: Array.isArray(req.zdraw) && req.zdraw.length === n && n ? req.zdraw : undefined,
  };
}

function stateOf(doc: LabelDocument): { masks: WireArray; ismanual: boolean[]; zdraw: Array<number[] | null> } {
  const labels = doc.labels.slice();
  return {
    masks: { dtype: labels instanceof Uint32Array ? 'uint32' : 'uint16', shape: [doc.nz, doc.ny, doc.nx], data: labels.buffer },
    ismanual: Array.from(doc.ismanualArray(), (v) => v !== 0),
    zdraw: doc.zdrawList().map((z) => (z ? Array.from(z) : null)),
  };
}

export interface JournalService {
  journalOpen(req: JournalOpenRequest): Promise<JournalOpenResult>;
  journalAppend(req: JournalStepRequest): Promise<{ ok: true }>;
  journalSaved(req: { imagePath: string }): Promise<{ ok: true }>;
  journalDiscard(req: { imagePath: string }): Promise<{ ok: true }>;
  dispose(): Promise<void>;
}

export function createJournalService(opts: { homeDir?: string } = {}): JournalService {
  const open = new Map<string, OpenJournal>();

  async function closeOne(key: string): Promise<void> {
    const j = open.get(key);
    open.delete(key);
    await j?.journal?.close();
  }

  function get(method: string, req: unknown): { key: string; entry: OpenJournal } {
    const key = path.resolve(requireString(method, req, 'imagePath'));
    const entry = open.get(key);
    if (!entry) throw new BadRequestError(method, `no journal is open for ${key} (call journalOpen first)`);
    return { key, entry };
  }

  return {
    /**
     * Starts journalling the masks the renderer shows for an image (just loaded from _seg.npy, or
     * none). If a journal exists whose base is exactly these masks, its steps are replayed and the
     * result returned: those are edits a crash kept from being saved.
     */
    async journalOpen(req) {
      const imagePath = path.resolve(requireString('journalOpen', req, 'imagePath'));
      const base = baseFrom('journalOpen', req);
      await closeOne(imagePath);
      const rec = await recoverJournal(imagePath, base, { homeDir: opts.homeDir });
      const recovered = rec.status === 'recovered' && rec.recordsApplied > 0;
      const journal = recovered ? await EditJournal.resume(imagePath, rec) : null;
      const mirror = rec.document;
      open.set(imagePath, { journal, mirror, base, pending: [], foundPath: rec.journalPath });
      return {
        journalPath: journal ? journal.path : rec.journalPath,
        recoveredSteps: recovered ? rec.recordsApplied : 0,
        problem: rec.problem,
        recovered: recovered ? stateOf(mirror) : null,
      };
    },

    async journalAppend(req) {
      const { key, entry } = get('journalAppend', req);
      const w = req.step;
      if (!w || !(w.data instanceof ArrayBuffer) || w.dtype !== 'uint8') throw new BadRequestError('journalAppend', '"step" must be a uint8 array');
      if (w.data.byteLength > MAX_STEP_BYTES) throw new BadRequestError('journalAppend', `step of ${w.data.byteLength} bytes is larger than ${MAX_STEP_BYTES}`);
      const source = req.source;
      if (source !== 'edit' && source !== 'undo' && source !== 'redo') throw new BadRequestError('journalAppend', `"source" must be edit, undo or redo, got ${JSON.stringify(source)}`);
      const step = decodeStep(new Uint8Array(w.data));
      entry.mirror.validateStep(step);
      // The header fingerprints the masks the first step applies to, so the journal starts before
      // the mirror takes that step.
      if (!entry.journal && step.name === MODEL_STEP_NAME) {
        entry.mirror.replay(step);
        entry.pending.push({ step, source });
        return { ok: true };
      }
      if (!entry.journal) {
        entry.journal = await EditJournal.start(key, new LabelDocument(entry.base), { path: await chooseJournalPath(key, opts.homeDir) });
        for (const p of entry.pending) await entry.journal.append(p.step, p.source);
        entry.pending = [];
      }
      entry.mirror.replay(step);
      await entry.journal.append(step, source);
      return { ok: true };
    },

    /** The _seg.npy was written: restart the journal from the saved masks. */
    async journalSaved(req) {
      const { entry } = get('journalSaved', req);
      // Nothing journalled since the open: nothing to restart (and nothing written beside the image).
      if (entry.journal) await entry.journal.markSaved(entry.mirror);
      else {
        entry.base = { labels: entry.mirror.labels.slice(), shape: [entry.mirror.nz, entry.mirror.ny, entry.mirror.nx], ismanual: entry.mirror.ismanualArray(), zdraw: entry.mirror.zdrawList() };
        entry.pending = [];
      }
      return { ok: true };
    },

    /** The user discarded the edits, or the image is closed after a save: remove the journal. */
    async journalDiscard(req) {
      const key = path.resolve(requireString('journalDiscard', req, 'imagePath'));
      const j = open.get(key);
      open.delete(key);
      if (j?.journal) await j.journal.discard();
      else if (j) await rm(j.foundPath, { force: true });
      return { ok: true };
    },

    async dispose() {
      for (const key of [...open.keys()]) await closeOne(key);
    },
  };
}
