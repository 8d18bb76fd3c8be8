// Dirty boxes: half-open [z0,z1) x [y0,y1) x [x0,x1) regions of a (Z,Y,X) label volume. A change
// event carries only these, so a view re-uploads a sub-texture (napari's labels layer does the same).

export interface Box {
  z0: number;
  z1: number;
  y0: number;
  y1: number;
  x0: number;
  x1: number;
}

export function isEmptyBox(b: Box): boolean {
  return !(b.z1 > b.z0 && b.y1 > b.y0 && b.x1 > b.x0);
}

/** The smallest box holding all of `boxes` (for a view that uploads one rectangle), or null. */
export function unionOfBoxes(boxes: readonly Box[]): Box | null {
  let u: Box | null = null;
  for (const b of boxes) {
    if (isEmptyBox(b)) continue;
    if (!u) u = { ...b };
    else {
      u.z0 = Math.min(u.z0, b.z0);
      u.z1 = Math.max(u.z1, b.z1);
      u.y0 = Math.min(u.y0, b.y0);
      u.y1 = Math.max(u.y1, b.y1);
      u.x0 = Math.min(u.x0, b.x0);
      u.x1 = Math.max(u.x1, b.x1);
    }
  }
  return u;
}
