// The no-lost-work journal (issue "Correct masks by hand"): every edit step the document applies is
// appended to `<stem>_seg.npy.journal` next to the image (or ~/.cellpose-studio/journal/<hash>.jnl
// where the image folder is read-only) and fsync'd, so a crash of the backend or the renderer
// loses at most the step being written. Recovery replays the complete records onto the last saved
// masks; after a successful save of the _seg.npy the journal starts afresh from the saved state.
// Cellpose itself only autosaves the whole _seg.npy after some 2D edits (GUI_AND_FORMATS A.16).
import { createHash } from 'node:crypto';
import { access, mkdir, open, readFile, rename, rm, truncate, type FileHandle } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, dirname, extname, join, resolve } from 'node:path';
import type { EditStep } from '../../core/editing/edit-step.ts';
import { LabelDocument, type LabelDocumentInit } from '../../core/editing/label-document.ts';
import { decodeStep, encodeStep } from '../../core/editing/step-codec.ts';
import { decodeHeader, encodeHeader, encodeRecord, labelsFingerprint, readRecords, type JournalHeader, type RecordSource } from './journal-format.ts';

/** `<dir>/<stem>_seg.npy.journal`, beside the `<stem>_seg.npy` that Cellpose writes. */
export function journalPathFor(imagePath: string): string {
  const abs = resolve(imagePath);
  const stem = basename(abs, extname(abs));
  return join(dirname(abs), `${stem}_seg.npy.journal`);
}

/** The fallback location for images in read-only folders. */
export function homeJournalPath(imagePath: string, homeDir = homedir()): string {
  const hash = createHash('sha256').update(resolve(imagePath)).digest('hex').slice(0, 32);
  return join(homeDir, '.cellpose-studio', 'journal', `${hash}.jnl`);
}

/**
 * Where to journal an image: beside it when its folder accepts a new file (probed by creating
 * one, since permission bits say nothing for root or on network shares), else under the home
 * folder.
 */
export async function chooseJournalPath(imagePath: string, homeDir = homedir()): Promise<string> {
  const sibling = journalPathFor(imagePath);
  const probe = `${sibling}.${process.pid}.probe`;
  try {
    const fh = await open(probe, 'wx');
    await fh.close();
    await rm(probe, { force: true });
    return sibling;
  } catch {
    return homeJournalPath(imagePath, homeDir);
  }
}

/** The existing journal of an image (beside it first, then under the home folder), or null. */
export async function findJournal(imagePath: string, homeDir = homedir()): Promise<string | null> {
  for (const p of [journalPathFor(imagePath), homeJournalPath(imagePath, homeDir)]) {
    try {
      await access(p);
      return p;
    } catch {
      // not there
    }
  }
  return null;
}

function headerFor(imagePath: string, doc: LabelDocument): JournalHeader {
  return {
    version: 1,
    image: resolve(imagePath),
    shape: [doc.nz, doc.ny, doc.nx],
    baseHash: labelsFingerprint(doc.labels, doc.count),
    baseCount: doc.count,
    createdAt: new Date().toISOString(),
  };
}

/** Writes a fresh journal holding only a header, atomically (temp file + rename). */
async function writeFreshJournal(path: string, header: JournalHeader): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  const fh = await open(tmp, 'w');
  try {
    await fh.writeFile(encodeHeader(header));
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, path);
}

export interface JournalOptions {
  /**
   * Where the journal lives. Default: for start, journalPathFor(imagePath); for recovery, the
   * journal findJournal finds (beside the image, then under the home folder).
   */
  path?: string;
  /** Home folder for the fallback location (default os.homedir()). */
  homeDir?: string;
}

export class EditJournal {
  private queue: Promise<void> = Promise.resolve();
  private failure: Error | null = null;
  private closed = false;

  private constructor(
    readonly imagePath: string,
    readonly path: string,
    private fh: FileHandle,
  ) {}

  /**
   * Starts a journal for a document whose current state is what is saved on disk (just loaded, or
   * just saved). Any older journal at that path is replaced.
   */
  static async start(imagePath: string, doc: LabelDocument, opts: JournalOptions = {}): Promise<EditJournal> {
    const path = opts.path ?? journalPathFor(imagePath);
    await writeFreshJournal(path, headerFor(imagePath, doc));
    return new EditJournal(imagePath, path, await open(path, 'a'));
  }

  /** Continues the journal a recovery read, cutting off its torn tail first. */
  static async resume(imagePath: string, recovery: RecoveryResult): Promise<EditJournal> {
    if (recovery.status !== 'recovered') return EditJournal.start(imagePath, recovery.document, { path: recovery.journalPath });
    if (recovery.tornTailBytes > 0) await truncate(recovery.journalPath, recovery.validBytes);
    return new EditJournal(imagePath, recovery.journalPath, await open(recovery.journalPath, 'a'));
  }

  /** The first write error, if any (appends after an error are refused). */
  get error(): Error | null {
    return this.failure;
  }

  /**
   * Appends one applied step and fsyncs it. Appends run in call order; the promise settles when
   * the record is on disk.
   */
  append(step: EditStep, source: RecordSource): Promise<void> {
    if (this.closed) return Promise.reject(new Error(`journal ${this.path} is closed`));
    const record = encodeRecord(source, encodeStep(step));
    this.queue = this.queue.then(async () => {
      if (this.failure) throw this.failure;
      try {
        await this.fh.write(record);
        await this.fh.datasync();
      } catch (e) {
        this.failure = e instanceof Error ? e : new Error(String(e));
        throw this.failure;
      }
    });
    return this.queue;
  }

  /** Journals every step the document applies from now on; returns the unsubscribe function. */
  attach(doc: LabelDocument, onError: (e: Error) => void = () => {}): () => void {
    return doc.onStep((step, source) => {
      this.append(step, source).catch(onError);
    });
  }

  /** Resolves when every append so far is on disk. */
  async flush(): Promise<void> {
    await this.queue;
  }

  /**
   * Call after the _seg.npy was saved successfully: the journal restarts from the saved state
   * (atomically, so a crash leaves either the old journal, which the new save makes stale and
   * recovery refuses by fingerprint, or the new empty one).
   */
  async markSaved(doc: LabelDocument): Promise<void> {
    await this.queue.catch(() => {});
    await this.fh.close();
    await writeFreshJournal(this.path, headerFor(this.imagePath, doc));
    this.fh = await open(this.path, 'a');
    this.failure = null;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue.catch(() => {});
    await this.fh.close();
  }

  /** Removes the journal (the user discarded the changes). */
  async discard(): Promise<void> {
    await this.close();
    await rm(this.path, { force: true });
  }
}

export interface RecoveryResult {
  /** The base masks with every complete record replayed (or just the base when none applied). */
  document: LabelDocument;
  /**
   * none: no journal; recovered: records (possibly zero) replayed; base-mismatch: the journal
   * belongs to other saved masks (e.g. saved after the journal was written) and was not applied;
   * unreadable: not a journal.
   */
  status: 'none' | 'recovered' | 'base-mismatch' | 'unreadable';
  recordsApplied: number;
  /** Bytes after the last complete record (a write torn by a crash), ignored. */
  tornTailBytes: number;
  /** Length of the valid part of the journal. */
  validBytes: number;
  journalPath: string;
  /** What was wrong, for the log. */
  problem: string | null;
}

/**
 * Replays the journal of an image onto its last saved masks. The base must be the masks the
 * journal started from (checked by fingerprint). Undo history is rebuilt as it was, given the
 * same undo limits.
 */
export async function recoverJournal(imagePath: string, base: LabelDocumentInit, opts: JournalOptions = {}): Promise<RecoveryResult> {
  const journalPath = opts.path ?? (await findJournal(imagePath, opts.homeDir)) ?? journalPathFor(imagePath);
  const document = new LabelDocument(base);
  const result = (status: RecoveryResult['status'], extra: Partial<RecoveryResult> = {}): RecoveryResult => ({
    document,
    status,
    recordsApplied: 0,
    tornTailBytes: 0,
    validBytes: 0,
    journalPath,
    problem: null,
    ...extra,
  });
  let buf: Buffer;
  try {
    buf = await readFile(journalPath);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return result('none');
    throw e;
  }
  const head = decodeHeader(buf);
  if ('error' in head) return result('unreadable', { problem: head.error });
  const h = head.header;
  const shapeOk = h.shape[0] === document.nz && h.shape[1] === document.ny && h.shape[2] === document.nx;
  const fp = labelsFingerprint(document.labels, document.count);
  if (!shapeOk || h.baseHash !== fp) {
    return result('base-mismatch', { problem: shapeOk ? 'the saved masks differ from the ones the journal started from' : `journal is for shape [${h.shape.join(', ')}]` });
  }
  const { records, validEnd, problem } = readRecords(buf, head.end);
  let applied = 0;
  let stopProblem = problem;
  let end = head.end;
  for (const rec of records) {
    try {
      const step = decodeStep(rec.step);
      document.replay(step);
      if (rec.source === 'edit') document.undoStack.push(step);
      else if (rec.source === 'undo') document.undoStack.takeUndo();
      else document.undoStack.takeRedo();
    } catch (e) {
      stopProblem = `record ${applied + 1}: ${e instanceof Error ? e.message : String(e)}`;
      break;
    }
    applied++;
    end = rec.end;
  }
  const validBytes = stopProblem === problem ? validEnd : end;
  return result('recovered', { recordsApplied: applied, tornTailBytes: buf.length - validBytes, validBytes, problem: stopProblem });
}
