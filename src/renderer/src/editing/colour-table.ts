// The overlay's colour table from the document's colour index per mask: a mask keeps its colour
// when ids shift down after a delete (Cellpose removes the colour row with the mask, A.7).
import { maskColor } from '../../../core/seg/colors.ts';

export function coloursFromIndex(colorIndex: Uint32Array): Uint8Array {
  const out = new Uint8Array(colorIndex.length * 3);
  for (let k = 0; k < colorIndex.length; k++) out.set(maskColor(Math.max(1, colorIndex[k])), k * 3);
  return out;
}
