// Persisted preferences (A.19 has none upstream; we keep display choices, the last folder and the
// per-file axis choice) through api.getSettings / api.setSettings.
import { defineStore } from 'pinia';
import { ref, shallowRef } from 'vue';
import type { Settings } from '../../../shared/contract.ts';
import type { AxisOverride } from '../../../core/io/image-types.ts';
import { getApi } from '../api/index.ts';
import { asAxisOverride } from '../pure/axis-override.ts';

/** Settings key of the backend's per-file axis map (src/backend/settings/settings-store.ts). */
const AXIS_KEY = 'axisOverrides';

export const useSettingsStore = defineStore('settings', () => {
  const values = shallowRef<Settings>({});
  const loaded = ref(false);
  let writing: Promise<unknown> = Promise.resolve();

  async function load(): Promise<void> {
    try {
      values.value = await getApi().getSettings({});
    } catch (e) {
      console.warn('settings could not be read; using defaults', e);
    }
    loaded.value = true;
  }

  /** Merge `patch` locally and send only the patch: the backend merges top-level keys, and it
   *  writes some keys itself (axisOverrides), which a whole-object write could clobber. */
  function update(patch: Settings): Promise<unknown> {
    values.value = { ...values.value, ...patch };
    writing = writing
      .then(() => getApi().setSettings(patch))
      .catch((e: unknown) => console.warn('settings could not be saved', e));
    return writing;
  }

  function getString(key: string): string | undefined {
    const v = values.value[key];
    return typeof v === 'string' ? v : undefined;
  }

  function getBoolean(key: string): boolean | undefined {
    const v = values.value[key];
    return typeof v === 'boolean' ? v : undefined;
  }

  /** The axis choice stored for a file. The backend keeps these under `axisOverrides` (it
   *  remembers every explicit openImage axes and re-applies them itself); we only read them. */
  function axesFor(path: string): AxisOverride | undefined {
    if (!path) return undefined;
    const all = values.value[AXIS_KEY];
    if (all === null || typeof all !== 'object') return undefined;
    return asAxisOverride((all as Record<string, unknown>)[path]);
  }

  /** Mirror a choice the backend has just stored, so this session knows it without re-reading. */
  function noteAxesFor(path: string, axes: AxisOverride): void {
    const prev = values.value[AXIS_KEY];
    const all = prev !== null && typeof prev === 'object' ? { ...(prev as Record<string, unknown>) } : {};
    all[path] = { zAxis: axes.zAxis ?? null, channelAxis: axes.channelAxis ?? null };
    values.value = { ...values.value, [AXIS_KEY]: all };
  }

  return { values, loaded, load, update, getString, getBoolean, axesFor, noteAxesFor };
});
