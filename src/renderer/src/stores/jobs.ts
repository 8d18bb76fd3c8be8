// Long-running backend jobs: segmentation runs (one at a time, cancellable), their progress
// (fraction + stage) and the log lines the backend pushes as contract events.
import { defineStore } from 'pinia';
import { ref, shallowRef } from 'vue';
import type { LogEvent, ProgressEvent, SegmentParams, SegmentRequest } from '../../../shared/contract.ts';
import { errorMessage, getApi } from '../api/index.ts';
import { labelView } from '../api/wire-array.ts';
import { useImageStore } from './image.ts';
import { useLabelsStore } from './labels.ts';

const MAX_LOG_LINES = 200;
let jobCounter = 0;

export const useJobsStore = defineStore('jobs', () => {
  const progress = shallowRef<ProgressEvent | null>(null);
  const log = ref<LogEvent[]>([]);
  const runningJob = ref<string | null>(null);
  const lastRunMs = ref<number | null>(null);
  let subscribed = false;

  function subscribe(): void {
    if (subscribed) return;
    subscribed = true;
    const api = getApi();
    api.on('onProgress', (p) => {
      if (p.jobId === runningJob.value) progress.value = p;
    });
    api.on('onLog', (l) => {
      log.value = [...log.value.slice(-(MAX_LOG_LINES - 1)), l];
    });
  }

  /** Segment the current image; results replace the masks (Cellpose also wipes manual masks, #1350). */
  async function segment(params: SegmentParams, extra: Pick<SegmentRequest, 'region' | 'keepMasks'> = {}): Promise<boolean> {
    const image = useImageStore();
    const m = image.meta;
    if (!m || !m.path || runningJob.value) return false;
    const jobId = `seg-${Date.now()}-${++jobCounter}`;
    runningJob.value = jobId;
    progress.value = { jobId, fraction: 0, stage: 'starting', etaMs: null };
    const t0 = performance.now();
    try {
      const r = await getApi().segment({ jobId, imagePath: m.path, params, ...extra });
      // The image may have changed while the job ran; then the result belongs to nothing on screen.
      if (image.meta?.path !== m.path) return false;
      useLabelsStore().acceptSegmentation(r);
      lastRunMs.value = performance.now() - t0;
      return true;
    } catch (e) {
      image.error = errorMessage(e);
      return false;
    } finally {
      runningJob.value = null;
      progress.value = null;
    }
  }

  async function cancel(): Promise<void> {
    const id = runningJob.value;
    if (id) await getApi().cancel({ jobId: id });
  }

  /** New thresholds on the cached flows (Enter in the threshold fields, A.12). */
  async function recompute(p: { flowThreshold: number; cellprobThreshold: number; minSize: number; niter: number }): Promise<boolean> {
    const labels = useLabelsStore();
    const image = useImageStore();
    const layer = labels.layer;
    if (!labels.flowsId || !layer) return false;
    try {
      const r = await getApi().recomputeMasks({ flowsId: labels.flowsId, ...p });
      labels.setMasks(labelView(r.masks), layer.shape);
      return true;
    } catch (e) {
      image.error = errorMessage(e);
      return false;
    }
  }

  return { progress, log, runningJob, lastRunMs, subscribe, segment, cancel, recompute };
});
