// Segmenting around hand-drawn masks (SegmentRequest.keepMasks / region). Cellpose's GUI simply
// replaces all masks on a model run; this project's contract lets the user keep the masks they
// drew. The rule, chosen to be predictable:
//   - kept masks stay as they are, renumbered 1..K in order of first appearance (raster scan);
//   - a new mask that lies mostly (> half its pixels) on kept masks is the same cell: dropped;
//   - with a region, a new mask mostly outside it is dropped (masks are not cut at its border);
//   - the remaining new masks lose the pixels under kept masks, are dropped when fewer than
//     minSize pixels remain, and are numbered K+1.. in their original order.
import { renumber } from '../../core/masks/renumber.ts';
import { toMaskDType } from '../../core/masks/labels.ts';

export interface KeepInputs {
  /** New labels from the model, (nZ, Y, X). */
  masks: Uint16Array | Uint32Array;
  shape: readonly [number, number, number];
  /** Labels to keep, same shape, or null. */
  keep: Uint8Array | Uint16Array | Uint32Array | Int32Array | null;
  /** Non-zero = inside, (nZ, Y, X) or one (Y, X) plane for every z; or null. */
  region: Uint8Array | null;
  minSize: number;
}

export function mergeKeptMasks(inp: KeepInputs): Uint16Array | Uint32Array {
  const [nZ, height, width] = inp.shape;
  const plane = height * width;
  const n = nZ * plane;
  if (inp.masks.length !== n) throw new RangeError(`masks hold ${inp.masks.length} values, shape needs ${n}`);
  if (inp.keep && inp.keep.length !== n) throw new RangeError(`keepMasks hold ${inp.keep.length} values, the image has ${n} pixels`);
  if (inp.region && inp.region.length !== n && inp.region.length !== plane) {
    throw new RangeError(`region holds ${inp.region.length} values, the image has ${plane} per plane`);
  }
  const kept = new Uint32Array(n);
  if (inp.keep) kept.set(inp.keep);
  const nKept = renumber(kept);

  let maxNew = 0;
  for (let i = 0; i < n; i++) if (inp.masks[i] > maxNew) maxNew = inp.masks[i];
  const area = new Uint32Array(maxNew + 1);
  const onKept = new Uint32Array(maxNew + 1);
  const inside = new Uint32Array(maxNew + 1);
  for (let i = 0; i < n; i++) {
    const m = inp.masks[i];
    if (m === 0) continue;
    area[m]++;
    if (kept[i] !== 0) onKept[m]++;
    if (inp.region && inp.region[inp.region.length === n ? i : i % plane] !== 0) inside[m]++;
  }
  const newId = new Uint32Array(maxNew + 1);
  let next = nKept;
  for (let m = 1; m <= maxNew; m++) {
    if (area[m] === 0) continue;
    if (2 * onKept[m] > area[m]) continue;
    if (inp.region && 2 * inside[m] < area[m]) continue;
    if (inp.minSize > 0 && area[m] - onKept[m] < inp.minSize) continue;
    newId[m] = ++next;
  }
  const out = kept;
  for (let i = 0; i < n; i++) {
    if (out[i] !== 0) continue;
    const m = inp.masks[i];
    if (m !== 0) out[i] = newId[m];
  }
  return toMaskDType(out);
}
