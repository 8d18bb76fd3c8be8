// The GPU probe's own worker thread (gpu-probe.ts probeGpuInWorker): one answer, then it is ended.
import { parentPort } from 'node:worker_threads';
import { probeFailure, probeGpu } from './gpu-probe.ts';

const port = parentPort;
if (!port) throw new Error('gpu-probe-worker must run in a worker thread');
probeGpu().then(
  (s) => port.postMessage(s),
  (e: unknown) => port.postMessage(probeFailure(e)),
);
