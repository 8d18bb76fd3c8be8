// Segmentation results shown over the image: masks (+ outlines, colours) and the flow views.
// Large arrays are markRaw'd in shallowRefs; only counts and ids are reactive.
import { defineStore } from 'pinia';
import { computed, markRaw, ref, shallowRef } from 'vue';
import type { SegmentResultDto } from '../../../shared/contract.ts';
import type { LabelImage } from '../../../core/masks/labels.ts';
import { maxLabel } from '../../../core/masks/labels.ts';
import { masksToOutlines } from '../../../core/masks/masks-to-outlines.ts';
import { maskColors } from '../../../core/seg/colors.ts';
import { labelView, numericView } from '../api/wire-array.ts';
import { cellprobToU8 } from '../render/flow-views.ts';
import type { ViewAvailability } from '../render/views.ts';

export interface FlowViews {
  /** (Z, Y, X, 3) uint8 flow picture for the gradXY view. */
  flowRgb: Uint8Array | null;
  /** (Z, Y, X) cellprob normalised to uint8 for the cellprob view. */
  cellprobU8: Uint8Array | null;
  /** (Z, Y, X) uint8 dZ picture for the gradZ view (3D only). */
  dZU8: Uint8Array | null;
}

export interface MaskLayer {
  masks: LabelImage;
  /** 1 on outline pixels, same shape as masks. */
  outlines: Uint8Array;
  /** (N, 3) colour table, mask k = row k-1. */
  colours: Uint8Array;
  shape: [number, number, number];
  /** Masks of a slider re-threshold: the edit store takes them into its undo history when the slider rests. */
  live?: boolean;
}

const NO_FLOWS: FlowViews = { flowRgb: null, cellprobU8: null, dZU8: null };

export const useLabelsStore = defineStore('labels', () => {
  const layer = shallowRef<MaskLayer | null>(null);
  const flows = shallowRef<FlowViews>(NO_FLOWS);
  const nMasks = ref(0);
  const selected = ref(0);
  /** Backend id of the cached flows, for recomputeMasks with new thresholds. */
  const flowsId = ref<string | null>(null);
  const diameterPx = ref<number | null>(null);
  const modelName = ref<string | null>(null);
  /** Panel settings that a loaded _seg.npy gives back (Cellpose's GUI sets its channel boxes and
   *  percentiles from the file); the segmentation panel applies them when this changes. */
  const restoredSettings = ref<{ chanChoose: [number, number] | null; normPercentile: [number, number] | null } | null>(null);
  /** The diameter box's value, drawn as the purple scale disk under the image (A.3). */
  const scaleDiameterPx = ref<number | null>(null);

  const availability = computed<ViewAvailability>(() => ({
    hasFlows: flows.value.flowRgb !== null || flows.value.cellprobU8 !== null,
    hasGradZ: flows.value.dZU8 !== null,
  }));

  /** @param live masks of a slider re-threshold (see MaskLayer.live). */
  function setMasks(masks: LabelImage, shape: [number, number, number], live = false): void {
    if (masks.length !== shape[0] * shape[1] * shape[2]) throw new Error(`masks of ${masks.length} pixels do not fit (${shape.join(', ')})`);
    const n = maxLabel(masks);
    // Outlines on first use: with an open image the edit store takes these masks as one undoable
    // step at once and publishes the document's own outlines, so these are usually never read.
    let outlines: Uint8Array | null = null;
    layer.value = markRaw({
      masks,
      get outlines(): Uint8Array {
        return (outlines ??= masksToOutlines(masks, shape));
      },
      colours: maskColors(n),
      shape,
      live,
    });
    nMasks.value = n;
    selected.value = 0;
  }

  /** Take a segmentation result: masks (Z, Y, X), flow picture, cellprob, dZ. */
  function acceptSegmentation(r: SegmentResultDto): void {
    const [nZ, h, w] = r.masks.shape.length === 2 ? [1, ...r.masks.shape] : r.masks.shape;
    setMasks(labelView(r.masks), [nZ, h, w]);
    const cp = numericView(r.cellprob);
    flows.value = markRaw({
      flowRgb: new Uint8Array(r.flowRgb.data),
      cellprobU8: cp instanceof Float32Array ? cellprobToU8(cp) : null,
      dZU8: r.dZU8 ? new Uint8Array(r.dZU8.data) : null,
    });
    flowsId.value = r.flowsId;
    diameterPx.value = r.diameterPx;
    modelName.value = r.modelName;
  }

  function clear(): void {
    layer.value = null;
    flows.value = NO_FLOWS;
    nMasks.value = 0;
    selected.value = 0;
    flowsId.value = null;
    modelName.value = null;
  }

  return { layer, flows, nMasks, selected, flowsId, diameterPx, modelName, restoredSettings, scaleDiameterPx, availability, setMasks, acceptSegmentation, clear };
});
