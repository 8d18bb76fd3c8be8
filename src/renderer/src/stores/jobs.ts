// Long-running backend jobs: segmentation runs (one at a time, cancellable), their progress
// (fraction + stage) and the log lines the backend pushes as contract events.
import { defineStore } from 'pinia';
import { ref, shallowRef } from 'vue';
import type { LogEvent, ProgressEvent, SegmentParams, SegmentRequest } from '../../../shared/contract.ts';
import { errorMessage, getApi } from '../api/index.ts';
import { labelView } from '../api/wire-array.ts';
import { latestOnly } from '../pure/latest-only.ts';
import { useImageStore } from './image.ts';
import { useLabelsStore } from './labels.ts';

const MAX_LOG_LINES = 200;
let jobCounter = 0;

export const useJobsStore = defineStore('jobs', () => {
  const progress = shallowRef<ProgressEvent | null>(null);
  const log = ref<LogEvent[]>([]);
  const runningJob = ref<string | null>(null);
  const lastRunMs = ref<number | null>(null);
  /** The execution provider of the last finished run ('cpu', 'webgpu', ...). */
  const lastProvider = ref<string | null>(null);
  /** The last run's network was fast mode's int8 one. */
  const lastInt8 = ref(false);
  /** Warnings the backend logged while the current or last run (or calibration) went on: a GPU
   *  that fell back to the CPU, a size model that could not be read, a stack segmented plane by
   *  plane. */
  const runWarnings = ref<string[]>([]);
  /** Model runs sent to the backend (network passes); a re-threshold never adds one. */
  const segmentCalls = ref(0);
  /** Re-thresholds applied, and the last one's round trip (request to masks on the store). */
  const recomputes = ref(0);
  const lastRecomputeMs = ref<number | null>(null);
  /** Of which the backend's mask computation (the rest: transfer and taking the masks in). */
  const lastRecomputeBackendMs = ref<number | null>(null);
  const calibrating = ref(false);
  /** Id of the last run ended by Cancel (shown instead of an error). */
  const lastCancelled = ref<string | null>(null);
  let cancelledJob: string | null = null;
  let subscribed = false;
  type Thresholds = { flowThreshold: number; cellprobThreshold: number; minSize: number; niter: number };

  function subscribe(): void {
    if (subscribed) return;
    subscribed = true;
    const api = getApi();
    api.on('onProgress', (p) => {
      if (p.jobId === runningJob.value) progress.value = p;
    });
    api.on('onLog', (l) => {
      log.value = [...log.value.slice(-(MAX_LOG_LINES - 1)), l];
      if (l.level !== 'info' && (runningJob.value !== null || calibrating.value)) runWarnings.value = [...runWarnings.value, l.message];
    });
  }

  /** Segment the current image; results replace the masks (Cellpose also wipes manual masks, #1350). */
  async function segment(params: SegmentParams, extra: Pick<SegmentRequest, 'region' | 'keepMasks'> = {}): Promise<boolean> {
    const image = useImageStore();
    const m = image.meta;
    if (!m || !m.path || runningJob.value) return false;
    const jobId = `seg-${Date.now()}-${++jobCounter}`;
    runningJob.value = jobId;
    runWarnings.value = [];
    lastCancelled.value = null;
    progress.value = { jobId, fraction: 0, stage: 'starting', etaMs: null };
    const t0 = performance.now();
    segmentCalls.value++;
    try {
      const r = await getApi().segment({ jobId, imagePath: m.path, params, ...extra });
      // The image may have changed while the job ran; then the result belongs to nothing on screen.
      if (image.meta?.path !== m.path) return false;
      useLabelsStore().acceptSegmentation(r);
      lastRunMs.value = performance.now() - t0;
      lastProvider.value = r.provider;
      lastInt8.value = r.int8Network;
      return true;
    } catch (e) {
      // A run the user cancelled is not an error: the previous masks simply stay.
      if (cancelledJob === jobId) lastCancelled.value = jobId;
      else image.error = errorMessage(e);
      return false;
    } finally {
      runningJob.value = null;
      progress.value = null;
    }
  }

  async function cancel(): Promise<void> {
    const id = runningJob.value;
    if (!id) return;
    cancelledJob = id;
    await getApi().cancel({ jobId: id });
  }

  /** New thresholds on the cached flows (Enter in the threshold fields, A.12). */
  async function recompute(p: Thresholds): Promise<boolean> {
    const labels = useLabelsStore();
    const image = useImageStore();
    const layer = labels.layer;
    const flowsId = labels.flowsId;
    if (!flowsId || !layer) return false;
    const t0 = performance.now();
    try {
      const r = await getApi().recomputeMasks({ flowsId, ...p });
      // A new image or a new run while we waited: these masks belong to flows no longer shown.
      if (labels.flowsId !== flowsId || labels.layer === null || labels.layer.shape.join() !== layer.shape.join()) return false;
      labels.setMasks(labelView(r.masks), layer.shape, true);
      recomputes.value++;
      lastRecomputeMs.value = performance.now() - t0;
      lastRecomputeBackendMs.value = r.elapsedMs;
      return true;
    } catch (e) {
      image.error = errorMessage(e);
      return false;
    }
  }

  /** Slider drags fire many values: only the latest is sent while one is in flight (pure/latest-only). */
  const liveRecompute = latestOnly<Thresholds>((p) => recompute(p));
  function requestRecompute(p: Thresholds): Promise<void> {
    return liveRecompute.request(p);
  }

  /** Size model estimate of the current image's diameter (A.12 "calibrate"); null on failure. */
  async function calibrate(model: string, useGpu = false): Promise<number | null> {
    const image = useImageStore();
    const m = image.meta;
    if (!m || calibrating.value) return null;
    calibrating.value = true;
    runWarnings.value = [];
    try {
      const req = m.path ? { imagePath: m.path, model, useGpu } : { imagePath: '', model, imageId: m.imageId, useGpu };
      const r = await getApi().calibrate(req);
      return r.diameterPx;
    } catch (e) {
      image.error = errorMessage(e);
      return null;
    } finally {
      calibrating.value = false;
    }
  }

  return { progress, log, runningJob, lastRunMs, lastProvider, lastInt8, runWarnings, lastCancelled, segmentCalls, recomputes, lastRecomputeMs, lastRecomputeBackendMs, calibrating, subscribe, segment, cancel, recompute, requestRecompute, calibrate };
});
