// Persisted preferences (A.19 has none upstream; we keep display choices, the last folder and the
// per-file axis choice) through api.getSettings / api.setSettings.
import { defineStore } from 'pinia';
import { ref, shallowRef } from 'vue';
import type { Settings } from '../../../shared/contract.ts';
import type { AxisOverride } from '../../../core/io/image-types.ts';
import { getApi } from '../api/index.ts';

function isAxisIndex(v: unknown): v is number | null {
  return v === null || (typeof v === 'number' && Number.isInteger(v) && v >= 0);
}

/** Narrow a stored value to an AxisOverride; anything else (hand-edited settings) is ignored. */
export function asAxisOverride(v: unknown): AxisOverride | undefined {
  if (v === null || typeof v !== 'object') return undefined;
  const o = v as Record<string, unknown>;
  const out: AxisOverride = {};
  if ('zAxis' in o) {
    if (!isAxisIndex(o.zAxis)) return undefined;
    out.zAxis = o.zAxis;
  }
  if ('channelAxis' in o) {
    if (!isAxisIndex(o.channelAxis)) return undefined;
    out.channelAxis = o.channelAxis;
  }
  return out;
}

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

  /** Merge `patch` and write the whole object (works whether the backend merges or replaces). */
  function update(patch: Settings): Promise<unknown> {
    values.value = { ...values.value, ...patch };
    const snapshot = values.value;
    writing = writing
      .then(() => getApi().setSettings(snapshot))
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

  function axesFor(path: string): AxisOverride | undefined {
    if (!path) return undefined;
    const all = values.value.axesByFile;
    if (all === null || typeof all !== 'object') return undefined;
    return asAxisOverride((all as Record<string, unknown>)[path]);
  }

  function setAxesFor(path: string, axes: AxisOverride): Promise<unknown> {
    const prev = values.value.axesByFile;
    const all = prev !== null && typeof prev === 'object' ? { ...(prev as Record<string, unknown>) } : {};
    all[path] = { zAxis: axes.zAxis ?? null, channelAxis: axes.channelAxis ?? null };
    return update({ axesByFile: all });
  }

  return { values, loaded, load, update, getString, getBoolean, axesFor, setAxesFor };
});
