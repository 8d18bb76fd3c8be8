// A worker_threads pool for the dynamics, sized to the cores (DESIGN.md: the main process never
// blocks on numeric work). Tasks queue and go to the first idle worker.
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { spawnWorker } from '../workers/spawn.ts';
import type { DynamicsResult, DynamicsTask, ResultMessage, TaskMessage } from './protocol.ts';

type Result = DynamicsResult;

interface Pending {
  msg: TaskMessage;
  transfer: ArrayBuffer[];
  resolve: (r: Result) => void;
  reject: (e: Error) => void;
}

/** Starts one dynamics worker (.ts under tsx, .js in a build; see spawnWorker). */
function startWorker(): Worker {
  return spawnWorker(new URL('./dynamics-worker.ts', import.meta.url));
}

export class DynamicsPool {
  readonly size: number;
  private readonly workers: Worker[] = [];
  private readonly idle: Worker[] = [];
  private readonly queue: Pending[] = [];
  private readonly running = new Map<number, { worker: Worker; pending: Pending }>();
  private nextId = 1;
  private closed = false;

  constructor(size = Math.max(1, availableParallelism())) {
    this.size = size;
    for (let i = 0; i < size; i++) {
      this.addWorker();
    }
  }

  private addWorker(): void {
    const w = startWorker();
    w.on('message', (m: ResultMessage) => this.onResult(w, m));
    w.on('error', (e) => this.onCrash(w, e));
    w.on('exit', (code) => this.onCrash(w, new Error(`dynamics worker exited with code ${code}`)));
    w.unref();
    this.workers.push(w);
    this.idle.push(w);
  }

  run(task: DynamicsTask, transfer: ArrayBuffer[] = []): Promise<Result> {
    if (this.closed) return Promise.reject(new Error('dynamics pool is closed'));
    return new Promise<Result>((resolve, reject) => {
      this.queue.push({ msg: { id: this.nextId++, task }, transfer, resolve, reject });
      this.pump();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const p of this.queue.splice(0)) p.reject(new Error('dynamics pool closed'));
    const ws = this.workers.splice(0);
    await Promise.all(ws.map((w) => w.terminate()));
  }

  private pump(): void {
    while (this.idle.length > 0 && this.queue.length > 0) {
      const w = this.idle.pop() as Worker;
      const p = this.queue.shift() as Pending;
      this.running.set(p.msg.id, { worker: w, pending: p });
      w.ref();
      w.postMessage(p.msg, p.transfer);
    }
  }

  private onResult(w: Worker, m: ResultMessage): void {
    const r = this.running.get(m.id);
    if (!r) return;
    this.running.delete(m.id);
    w.unref();
    this.idle.push(w);
    if (m.ok) r.pending.resolve(m.result);
    else {
      const e = new Error(m.error.message);
      e.name = m.error.name;
      r.pending.reject(e);
    }
    this.pump();
  }

  /** A dead worker fails its task and is replaced, so the pool never stalls. */
  private onCrash(w: Worker, e: Error): void {
    const k = this.workers.indexOf(w);
    if (k < 0) return;
    this.workers.splice(k, 1);
    const i = this.idle.indexOf(w);
    if (i >= 0) this.idle.splice(i, 1);
    for (const [id, r] of this.running) {
      if (r.worker === w) {
        this.running.delete(id);
        r.pending.reject(e);
      }
    }
    if (!this.closed) {
      this.addWorker();
      this.pump();
    }
  }
}
