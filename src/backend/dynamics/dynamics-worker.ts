// Worker thread of the dynamics pool: runs one core stage per message.
import { parentPort } from 'node:worker_threads';
import { finishMasks, masksFromPositions } from '../../core/dynamics/compute-masks.ts';
import { flowErrors } from '../../core/dynamics/flow-errors.ts';
import { followFlows, followFlowsTracked } from '../../core/dynamics/follow-flows.ts';
import type { DynamicsTask, ResultMessage, TaskMessage } from './protocol.ts';

function run(task: DynamicsTask): Float32Array | Float64Array | Uint16Array | Uint32Array {
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
    default: {
      const never: never = task;
      throw new Error(`unknown dynamics task ${JSON.stringify(never)}`);
    }
  }
}

parentPort?.on('message', (msg: TaskMessage) => {
  let reply: ResultMessage;
  try {
    const result = run(msg.task);
    reply = { id: msg.id, ok: true, result };
    parentPort?.postMessage(reply, result.buffer instanceof ArrayBuffer ? [result.buffer] : []);
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    reply = { id: msg.id, ok: false, error: { name: err.name, message: err.message } };
    parentPort?.postMessage(reply);
  }
});
