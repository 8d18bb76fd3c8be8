// `<stem>_cp_outlines.txt` (GUI_AND_FORMATS.md B.7): one line per mask in id order, the contour as
// "x0,y0,x1,y1,...", every line ending in "\n"; a mask with no usable contour (<= 4 points,
// already emptied by outlinesList) gives an empty line, as Cellpose's outlines_to_text does.
import { FormatError } from '../errors.ts';

/** Polygons as outlinesList returns them (flat x, y pairs). */
export function formatOutlinesTxt(polygons: readonly Int32Array[]): string {
  let s = '';
  for (const p of polygons) s += p.join(',') + '\n';
  return s;
}

/** Parse an outlines text back into polygons (empty lines give empty polygons). */
export function parseOutlinesTxt(text: string): Int32Array[] {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines.map((line, i) => {
    if (line.trim() === '') return new Int32Array(0);
    const v = line.split(',').map(Number);
    if (v.length % 2 || v.some((x) => !Number.isInteger(x))) throw new FormatError(`outlines line ${i + 1} is not a list of integer x,y pairs`);
    return Int32Array.from(v);
  });
}
