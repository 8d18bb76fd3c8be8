// The opened image: metadata from the backend and its pixels as one typed array (Z, Y, X, C).
// The pixels live in a shallowRef and are never made deeply reactive: a 2048x2048 uint16 image is
// 4 M elements and Vue must not proxy them.
import { defineStore } from 'pinia';
import { computed, markRaw, ref, shallowRef } from 'vue';
import type { OpenedImage } from '../../../shared/contract.ts';
import type { AxisOverride } from '../../../core/io/image-types.ts';
import { errorMessage, getApi } from '../api/index.ts';
import { numericView } from '../api/wire-array.ts';
import type { NumericArray, PlaneGeometry } from '../render/plane-geometry.ts';
import { autoLevels } from '../render/display-scale.ts';
import { cancelOpenMark, markOpenStage, markOpenStart } from '../timing.ts';
import { useSettingsStore } from './settings.ts';
import { folderOf } from '../pure/paths.ts';
import { useViewStore } from './view.ts';
import { useLabelsStore } from './labels.ts';

/** Asked before another image (or the same one with other axes) replaces the open one; false keeps it. */
export type LeaveGuard = () => Promise<boolean>;

export const useImageStore = defineStore('image', () => {
  const meta = shallowRef<OpenedImage | null>(null);
  const pixels = shallowRef<NumericArray | null>(null);
  /** Bytes of a file dropped into the browser, kept so the axis dialog can re-open it. */
  const droppedBytes = shallowRef<{ name: string; bytes: ArrayBuffer } | null>(null);
  const busy = ref(false);
  const error = ref<string | null>(null);
  /** Set when the axis guess was ambiguous and the user has no stored choice for this file. */
  const askAxes = ref(false);
  /** Increments on every successful open (the canvas fits the view when it changes). */
  const generation = ref(0);

  const geometry = computed<PlaneGeometry | null>(() =>
    meta.value ? { nZ: meta.value.nZ, height: meta.value.height, width: meta.value.width, nChannels: meta.value.nChannels } : null,
  );

  function accept(img: OpenedImage, hadStoredAxes: boolean): void {
    const data = markRaw(numericView(img.image));
    meta.value = markRaw(img);
    pixels.value = data;
    error.value = null;
    const view = useViewStore();
    // Stacks open on the middle plane, as Cellpose's 3D GUI does.
    view.plane = Math.floor(img.nZ / 2);
    view.view = 'image';
    if (view.autoSaturation) {
      const lv = autoLevels(img.percentiles, img);
      while (lv.length < 3) lv.push(lv[0] ?? [0, 255]);
      view.levels = lv.slice(0, 3);
    }
    view.hover = null;
    useLabelsStore().clear();
    askAxes.value = img.assignment.ambiguous && !hadStoredAxes;
    generation.value++;
    if (img.path) void useSettingsStore().update({ lastFolder: folderOf(img.path), lastImage: img.path });
  }

  let leaveGuard: LeaveGuard | null = null;
  /** The edit store asks here about unsaved edits before any open replaces the image. */
  function setLeaveGuard(g: LeaveGuard | null): void {
    leaveGuard = g;
  }

  async function run(fn: () => Promise<OpenedImage>, hadStoredAxes: boolean): Promise<boolean> {
    if (leaveGuard && !(await leaveGuard())) return false;
    busy.value = true;
    markOpenStart();
    try {
      const img = await fn();
      markOpenStage('response');
      accept(img, hadStoredAxes);
      return true;
    } catch (e) {
      // The current image stays; the backend's message already names the file and the problem.
      cancelOpenMark();
      error.value = errorMessage(e);
      return false;
    } finally {
      busy.value = false;
    }
  }

  /** Open a file on the backend's disk, applying the user's stored axis choice for it. */
  function openPath(path: string, axes?: AxisOverride): Promise<boolean> {
    const stored = axes ?? useSettingsStore().axesFor(path);
    droppedBytes.value = null;
    // The backend re-applies a stored choice by itself, and stores any explicit one we send.
    return run(() => getApi().openImage(axes ? { path, axes } : { path }), stored !== undefined);
  }

  /** Open bytes dropped into the browser (no path on the backend). */
  function openBytes(name: string, bytes: ArrayBuffer, axes?: AxisOverride): Promise<boolean> {
    droppedBytes.value = markRaw({ name, bytes });
    // The wire codec sends the buffer as is; keep our own copy for re-opening with other axes.
    return run(() => getApi().openImageBytes(axes ? { name, bytes: bytes.slice(0), axes } : { name, bytes: bytes.slice(0) }), axes !== undefined);
  }

  /** Re-open the current image with an explicit axis assignment, and remember it for this file. */
  async function reopenWithAxes(axes: AxisOverride): Promise<boolean> {
    const m = meta.value;
    if (!m) return false;
    askAxes.value = false;
    if (m.path) {
      const ok = await openPath(m.path, axes);
      if (ok) useSettingsStore().noteAxesFor(m.path, axes);
      return ok;
    }
    const d = droppedBytes.value;
    return d ? openBytes(d.name, d.bytes, axes) : false;
  }

  /** ←/→: previous/next image in the current image's folder (Cellpose's filter and order). */
  async function neighbour(step: 1 | -1): Promise<boolean> {
    const m = meta.value;
    if (!m || !m.path || busy.value) return false;
    try {
      const next = await getApi().neighbourImage({ path: m.path, step });
      if (next.path === m.path) return false;
      return openPath(next.path);
    } catch (e) {
      error.value = errorMessage(e);
      return false;
    }
  }

  function dismissError(): void {
    error.value = null;
  }

  return { meta, pixels, droppedBytes, busy, error, askAxes, generation, geometry, setLeaveGuard, openPath, openBytes, reopenWithAxes, neighbour, dismissError };
});
