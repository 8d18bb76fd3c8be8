// Long-running backend jobs: progress (fraction + stage) and log lines pushed as contract events.
import { defineStore } from 'pinia';
import { ref, shallowRef } from 'vue';
import type { LogEvent, ProgressEvent } from '../../../shared/contract.ts';
import { getApi } from '../api/index.ts';

const MAX_LOG_LINES = 200;

export const useJobsStore = defineStore('jobs', () => {
  const progress = shallowRef<ProgressEvent | null>(null);
  const log = ref<LogEvent[]>([]);
  let subscribed = false;

  function subscribe(): void {
    if (subscribed) return;
    subscribed = true;
    const api = getApi();
    api.on('onProgress', (p) => {
      progress.value = p;
    });
    api.on('onLog', (l) => {
      log.value = [...log.value.slice(-(MAX_LOG_LINES - 1)), l];
    });
  }

  return { progress, log, subscribe };
});
