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

/** An empty box that any union grows from. */
export function emptyBox(): Box {
  return { z0: Infinity, z1: -Infinity, y0: Infinity, y1: -Infinity, x0: Infinity, x1: -Infinity };
}

export function isEmptyBox(b: Box): boolean {
  return !(b.z1 > b.z0 && b.y1 > b.y0 && b.x1 > b.x0);
}

/** Grows `b` in place to include the voxel (z, y, x). */
export function includeVoxel(b: Box, z: number, y: number, x: number): void {
  if (z < b.z0) b.z0 = z;
  if (z + 1 > b.z1) b.z1 = z + 1;
  if (y < b.y0) b.y0 = y;
  if (y + 1 > b.y1) b.y1 = y + 1;
  if (x < b.x0) b.x0 = x;
  if (x + 1 > b.x1) b.x1 = x + 1;
}

/** Grows `b` in place to include `o`. */
export function includeBox(b: Box, o: Box): void {
  if (isEmptyBox(o)) return;
  if (o.z0 < b.z0) b.z0 = o.z0;
  if (o.z1 > b.z1) b.z1 = o.z1;
  if (o.y0 < b.y0) b.y0 = o.y0;
  if (o.y1 > b.y1) b.y1 = o.y1;
  if (o.x0 < b.x0) b.x0 = o.x0;
  if (o.x1 > b.x1) b.x1 = o.x1;
}

export function copyBox(b: Box): Box {
  return { z0: b.z0, z1: b.z1, y0: b.y0, y1: b.y1, x0: b.x0, x1: b.x1 };
}

/** `b` grown by `px` in y and x (not z), clipped to a (Y, X) plane. */
export function growBoxYX(b: Box, px: number, ly: number, lx: number): Box {
  return {
    z0: b.z0,
    z1: b.z1,
    y0: Math.max(0, b.y0 - px),
    y1: Math.min(ly, b.y1 + px),
    x0: Math.max(0, b.x0 - px),
    x1: Math.min(lx, b.x1 + px),
  };
}
