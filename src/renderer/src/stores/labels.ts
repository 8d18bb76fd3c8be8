// Segmentation results shown over the image: masks and the flow views. Filled by segmentation and
// _seg.npy loading (later steps); the view store's overlays and PageUp/PageDown read it now.
import { defineStore } from 'pinia';
import { computed, shallowRef } from 'vue';
import type { NumericArray } from '../render/plane-geometry.ts';
import type { ViewAvailability } from '../render/views.ts';

export interface FlowViews {
  /** (Z, Y, X, 3) uint8 flow picture for the gradXY view. */
  flowRgb: Uint8Array | null;
  /** (Z, Y, X) float32 cell probability logits for the cellprob view. */
  cellprob: Float32Array | null;
  /** (Z, Y, X) uint8 dZ picture for the gradZ view (3D only). */
  dZU8: Uint8Array | null;
}

export const useLabelsStore = defineStore('labels', () => {
  /** (Z, Y, X) label image, 0 = background; null until a segmentation or mask load. */
  const masks = shallowRef<NumericArray | null>(null);
  const flows = shallowRef<FlowViews>({ flowRgb: null, cellprob: null, dZU8: null });

  const availability = computed<ViewAvailability>(() => ({
    hasFlows: flows.value.flowRgb !== null || flows.value.cellprob !== null,
    hasGradZ: flows.value.dZU8 !== null,
  }));

  function clear(): void {
    masks.value = null;
    flows.value = { flowRgb: null, cellprob: null, dZU8: null };
  }

  return { masks, flows, availability, clear };
});
