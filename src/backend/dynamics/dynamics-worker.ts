// Worker thread of the dynamics pool: runs one core stage per message.
import { parentPort } from 'node:worker_threads';
import { finishMasks, masksFromPositions } from '../../core/dynamics/compute-masks.ts';
import { flowErrors } from '../../core/dynamics/flow-errors.ts';
import { followFlows, followFlowsTracked } from '../../core/dynamics/follow-flows.ts';
import { getMasks, GetMasksScratch } from '../../core/dynamics/get-masks.ts';
import { finishFromParts, maskParts, startPointBoxes } from '../../core/dynamics/mask-parts.ts';
import type { DynamicsResult, DynamicsTask, ResultMessage, TaskMessage } from './protocol.ts';

// Labels and boxes of 'cluster-parts' live in shared memory: the per-mask tasks read them in place.
const sharedLabels = (vol: number, wide: boolean): Uint16Array | Uint32Array =>
  wide ? new Uint32Array(new SharedArrayBuffer(4 * vol)) : new Uint16Array(new SharedArrayBuffer(2 * vol));
const sharedInt32 = (length: number): Int32Array => new Int32Array(new SharedArrayBuffer(4 * length));
// kept between tasks: every re-threshold step clusters the same image again
const clusterScratch = new GetMasksScratch();

function run(task: DynamicsTask): DynamicsResult {
  switch (task.kind) {
    case 'follow':
      return followFlows({ field: task.field, shape: task.shape, inds: task.inds, niter: task.niter, method: task.method }, task.start, task.end);
    case 'follow-tracked':
      return followFlowsTracked(
        { field: task.field, shape: task.shape, inds: task.inds, niter: task.niter, method: 'pixel-bilinear' },
        { lo: task.blockLo, hi: task.blockHi },
        task.start,
        task.end,
      );
    case 'cluster':
      return masksFromPositions(task.p, { field: new Float32Array(0), shape: task.shape, inds: task.inds, niter: 0, method: 'nearest' }, task.dP, task.opts);
    case 'qc':
      return flowErrors(task.labels, task.dP, task.shape, { variant: task.variant, centre: task.centre, objects: task.objects });
    case 'finish': {
      const { labels, drop } = task;
      if (drop) for (let i = 0; i < labels.length; i++) if (drop[labels[i]]) labels[i] = 0;
      return finishMasks(labels, task.shape, task.opts);
    }
    case 'cluster-parts': {
      const labels = getMasks(task.p, task.inds, task.shape, task.maxSizeFraction, sharedLabels, clusterScratch);
      return { labels, boxes: startPointBoxes(labels, task.inds, task.shape[1], sharedInt32) };
    }
    case 'mask-parts':
      return maskParts(task.labels, task.shape, task.boxes, task.from, task.to, { dP: task.dP, centre: task.centre });
    case 'finish-parts': {
      const { labels, drop } = task;
      const fast = finishFromParts(labels, task.boxes, task, drop ?? null, task.minSize, task.legacyV31MinSize);
      if (fast) return fast;
      const work = labels.slice();
      if (drop) for (let i = 0; i < work.length; i++) if (drop[work[i]]) work[i] = 0;
      return finishMasks(work, task.shape, { minSize: task.minSize, legacyV31MinSize: task.legacyV31MinSize });
    }
    default: {
      const never: never = task;
      throw new Error(`unknown dynamics task ${JSON.stringify(never)}`);
    }
  }
}

/** The plain (not shared) buffers of a result, moved rather than copied to the caller. */
function transferList(result: DynamicsResult): ArrayBuffer[] {
  const arrays = ArrayBuffer.isView(result) ? [result] : 'boxes' in result ? [] : [result.errors, result.holeStart, result.holePixels];
  const out: ArrayBuffer[] = [];
  for (const a of arrays) if (a && a.buffer instanceof ArrayBuffer && !out.includes(a.buffer)) out.push(a.buffer);
  return out;
}

parentPort?.on('message', (msg: TaskMessage) => {
  let reply: ResultMessage;
  try {
    const result = run(msg.task);
    reply = { id: msg.id, ok: true, result };
    parentPort?.postMessage(reply, transferList(result));
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    reply = { id: msg.id, ok: false, error: { name: err.name, message: err.message } };
    parentPort?.postMessage(reply);
  }
});
