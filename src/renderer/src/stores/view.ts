// What is shown and how: colour mode, view, plane, saturation levels, invert, overlays, pan/zoom,
// and the pixel under the cursor. Numbers only; the image data lives in the image store.
import { defineStore } from 'pinia';
import { ref, shallowRef } from 'vue';
import { type ColourMode, stepColourMode, toggleChannelMode } from '../render/colour-modes.ts';
import type { Levels } from '../render/display-scale.ts';
import { type ViewTransform, fitTransform, zoomAt } from '../render/view-transform.ts';
import type { ViewName } from '../render/views.ts';

export interface HoverInfo {
  x: number;
  y: number;
  values: number[];
  /** Mask id under the cursor when masks exist (0 = background). */
  maskId?: number;
}

export const useViewStore = defineStore('view', () => {
  const colourMode = ref<ColourMode>('RGB');
  const view = ref<ViewName>('image');
  const plane = ref(0);
  /** Display levels on the 0..255 scale: [gray/red, green, blue]. */
  const levels = ref<Levels[]>([
    [0, 255],
    [0, 255],
    [0, 255],
  ]);
  const autoSaturation = ref(true);
  const invert = ref(false);
  const masksOn = ref(true);
  const outlinesOn = ref(false);
  const transform = shallowRef<ViewTransform>({ scale: 1, offsetX: 0, offsetY: 0 });
  /** Size of the canvas area in CSS pixels (set by the canvas component). */
  const viewportPx = shallowRef({ width: 1, height: 1 });
  const hover = shallowRef<HoverInfo | null>(null);

  function setColourMode(m: ColourMode): void {
    colourMode.value = m;
    view.value = 'image'; // Cellpose switches back to the image view on a colour change (A.3)
  }
  function stepColour(step: 1 | -1): void {
    setColourMode(stepColourMode(colourMode.value, step));
  }
  function toggleChannel(c: 'red' | 'green' | 'blue'): void {
    setColourMode(toggleChannelMode(colourMode.value, c));
  }
  function setLevels(channel: number, l: Levels): void {
    const next = levels.value.slice();
    next[channel] = [Math.min(l[0], l[1]), Math.max(l[0], l[1])];
    levels.value = next;
  }
  function fullView(imageWidth: number, imageHeight: number): void {
    transform.value = fitTransform(imageWidth, imageHeight, viewportPx.value.width, viewportPx.value.height);
  }
  /** Zoom about the centre of the canvas (keys), or about a screen point (wheel). */
  function zoom(factor: number, at?: { x: number; y: number }): void {
    const p = at ?? { x: viewportPx.value.width / 2, y: viewportPx.value.height / 2 };
    transform.value = zoomAt(transform.value, p.x, p.y, factor);
  }

  return {
    colourMode,
    view,
    plane,
    levels,
    autoSaturation,
    invert,
    masksOn,
    outlinesOn,
    transform,
    viewportPx,
    hover,
    setColourMode,
    stepColour,
    toggleChannel,
    setLevels,
    fullView,
    zoom,
  };
});
