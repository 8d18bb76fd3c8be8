// Cellpose's brush sizes (A.6): a dropdown of 1/3/5/7/9 px, default 3; ',' picks the next smaller
// and '.' the next larger (the upstream help table says the opposite; the code does this).
export const BRUSH_SIZES_PX = [1, 3, 5, 7, 9] as const;
export const DEFAULT_BRUSH_PX = 3;

export function stepBrushSize(currentPx: number, step: 1 | -1): number {
  let i = BRUSH_SIZES_PX.findIndex((s) => s >= currentPx);
  if (i < 0) i = BRUSH_SIZES_PX.length - 1;
  const j = Math.min(BRUSH_SIZES_PX.length - 1, Math.max(0, i + step));
  return BRUSH_SIZES_PX[j];
}
