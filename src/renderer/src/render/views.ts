// The view dropdown (A.3): image, gradXY, cellprob, gradZ. PageUp/PageDown visit only enabled
// entries; the flow views are enabled once a segmentation exists, gradZ only for 3D results.

export const VIEWS = ['image', 'gradXY', 'cellprob', 'gradZ'] as const;
export type ViewName = (typeof VIEWS)[number];

export interface ViewAvailability {
  hasFlows: boolean;
  hasGradZ: boolean;
}

export function isViewEnabled(v: ViewName, a: ViewAvailability): boolean {
  if (v === 'image') return true;
  if (v === 'gradZ') return a.hasGradZ;
  return a.hasFlows;
}

/** Next/previous enabled view, wrapping around; stays put when nothing else is enabled. */
export function stepView(current: ViewName, step: 1 | -1, a: ViewAvailability): ViewName {
  const n = VIEWS.length;
  let i = VIEWS.indexOf(current);
  for (let k = 0; k < n; k++) {
    i = (i + step + n) % n;
    if (isViewEnabled(VIEWS[i], a)) return VIEWS[i];
  }
  return current;
}
