// Bounded multi-level undo/redo of edit steps. Cellpose has a one-level "undo remove mask" only
// (GUI_AND_FORMATS A.8); we keep a real history, bounded in steps and in bytes, dropping the oldest.
import { stepByteSize, type EditStep } from './edit-step.ts';

export interface UndoLimits {
  /** Most steps kept for undo (default 200). */
  maxSteps?: number;
  /** Most bytes of atoms kept across undo and redo (default 512 MiB). */
  maxBytes?: number;
}

interface Entry {
  step: EditStep;
  bytes: number;
}

export class UndoStack {
  readonly maxSteps: number;
  readonly maxBytes: number;
  private done: Entry[] = [];
  private undone: Entry[] = [];
  private heldBytes = 0;

  constructor(limits: UndoLimits = {}) {
    this.maxSteps = limits.maxSteps ?? 200;
    this.maxBytes = limits.maxBytes ?? 512 * 1024 * 1024;
    if (!(this.maxSteps >= 1) || !(this.maxBytes > 0)) throw new RangeError('undo limits must be positive');
  }

  get canUndo(): boolean {
    return this.done.length > 0;
  }

  get canRedo(): boolean {
    return this.undone.length > 0;
  }

  get undoDepth(): number {
    return this.done.length;
  }

  get redoDepth(): number {
    return this.undone.length;
  }

  /** Bytes held by the history. */
  get bytes(): number {
    return this.heldBytes;
  }

  /** Name of the step an undo would revert (for an "Undo <name>" menu entry). */
  get nextUndoName(): string | null {
    return this.done.length ? this.done[this.done.length - 1].step.name : null;
  }

  /** Records a new step; the redo branch is dropped, as in every editor. */
  push(step: EditStep): void {
    for (const e of this.undone) this.heldBytes -= e.bytes;
    this.undone = [];
    const bytes = stepByteSize(step);
    this.done.push({ step, bytes });
    this.heldBytes += bytes;
    // The newest step is always kept, even if it alone exceeds the byte bound.
    while (this.done.length > 1 && (this.done.length > this.maxSteps || this.heldBytes > this.maxBytes)) {
      const old = this.done.shift() as Entry;
      this.heldBytes -= old.bytes;
    }
  }

  /** The step to revert (the caller applies its inverse); it moves to the redo list. */
  takeUndo(): EditStep | undefined {
    const e = this.done.pop();
    if (!e) return undefined;
    this.undone.push(e);
    return e.step;
  }

  /** The step to re-apply; it moves back to the undo list. */
  takeRedo(): EditStep | undefined {
    const e = this.undone.pop();
    if (!e) return undefined;
    this.done.push(e);
    return e.step;
  }

  clear(): void {
    this.done = [];
    this.undone = [];
    this.heldBytes = 0;
  }
}
