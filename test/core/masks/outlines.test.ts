import { describe, expect, it } from 'vitest';
import { labelledOutlines, masksToOutlines } from '../../../src/core/masks/masks-to-outlines.ts';
import { outlinesList } from '../../../src/core/masks/outlines-list.ts';
import { FIXTURES, pyUint16, pyUint16s } from './python-npy.ts';

function grid(rows: string[]): { data: Uint16Array; shape: [number, number] } {
  const ly = rows.length;
  const lx = rows[0].length;
  const data = new Uint16Array(ly * lx);
  rows.forEach((r, y) => [...r].forEach((ch, x) => (data[y * lx + x] = ch === '.' ? 0 : parseInt(ch, 36))));
  return { data, shape: [ly, lx] };
}

function points(poly: Int32Array): Array<[number, number]> {
  const p: Array<[number, number]> = [];
  for (let i = 0; i < poly.length; i += 2) p.push([poly[i], poly[i + 1]]);
  return p;
}

describe('masksToOutlines (7.1)', () => {
  it('marks pixels touching outer background or other masks, not pixels around a hole', () => {
    const { data, shape } = grid([
      '.......',
      '.11111.',
      '.1...12',
      '.1.1.12',
      '.1...12',
      '.11111.',
      '.......',
    ]);
    const o = masksToOutlines(data, shape);
    const rows = [];
    for (let y = 0; y < 7; y++) rows.push(Array.from(o.subarray(y * 7, y * 7 + 7)).join(''));
    // the ring's inner edge borders only its hole; the isolated pixel of label 1 inside the hole is
    // part of label 1 but not adjacent to its outer background; label 2 pixels touch the border
    expect(rows).toEqual(['0000000', '0111110', '0100011', '0100011', '0100011', '0111110', '0000000']);
  });

  it('matches the outlines Cellpose stored in real _seg.npy files (2-D and 3-D)', () => {
    const files = ['cli2d/img2d_seg.npy', 'gui2d/crop2d_seg.npy', 'cli3d/stack3d_seg.npy'];
    const arrays = pyUint16s(files.flatMap((f) => [`seg('${FIXTURES}/${f}')['masks']`, `seg('${FIXTURES}/${f}')['outlines']`]));
    for (let k = 0; k < files.length; k++) {
      const f = files[k];
      const masks = arrays[2 * k];
      const stored = arrays[2 * k + 1];
      const ours = labelledOutlines(masks.data, masks.shape);
      let diff = 0;
      for (let i = 0; i < ours.length; i++) if (ours[i] !== stored.data[i]) diff++;
      expect(diff, f).toBe(0);
      expect(stored.data.some((v) => v > 0)).toBe(true);
    }
  });
});

describe('outlinesList (7.2, OpenCV Suzuki-Abe order)', () => {
  it('a filled rectangle starts top-left and goes down the left edge first', () => {
    const { data, shape } = grid(['......', '.1111.', '.1111.', '.1111.', '......']);
    const [poly] = outlinesList(data, shape);
    expect(points(poly)).toEqual([
      [1, 1], [1, 2], [1, 3], [2, 3], [3, 3], [4, 3], [4, 2], [4, 1], [3, 1], [2, 1],
    ]);
  });

  it('keeps the longest piece, drops contours of <= 4 points, one entry per present label', () => {
    const { data, shape } = grid([
      '3..........',
      '.11....555.',
      '.11....555.',
      '.......555.',
      '.5.........',
    ]);
    const list = outlinesList(data, shape);
    expect(list.length).toBe(3); // labels 1, 3, 5
    expect(list[0].length).toBe(0); // 2x2 square: 4 points
    expect(list[1].length).toBe(0); // single pixel
    expect(points(list[2])).toEqual([[7, 1], [7, 2], [7, 3], [8, 3], [9, 3], [9, 2], [9, 1], [8, 1]]);
  });

  it('traces a one-pixel-wide diagonal line back and forth, as OpenCV does', () => {
    const { data, shape } = grid(['1....', '.1...', '..1..', '...1.', '....1']);
    const [poly] = outlinesList(data, shape);
    expect(points(poly)).toEqual([[0, 0], [1, 1], [2, 2], [3, 3], [4, 4], [3, 3], [2, 2], [1, 1]]);
  });

  it('every polygon of a real Cellpose mask lies on that mask and covers its outline pixels', () => {
    const masks = pyUint16(`seg('${FIXTURES}/cli2d/img2d_seg.npy')['masks']`);
    const [ly, lx] = masks.shape as [number, number];
    const list = outlinesList(masks.data, [ly, lx]);
    const outline = masksToOutlines(masks.data, [ly, lx]);
    const labels = [...new Set(masks.data)].filter((v) => v > 0).sort((a, b) => a - b);
    expect(list.length).toBe(labels.length);
    const onPolygon = new Uint8Array(ly * lx);
    let offMask = 0;
    list.forEach((poly, k) => {
      for (let i = 0; i < poly.length; i += 2) {
        const idx = poly[i + 1] * lx + poly[i];
        if (masks.data[idx] !== labels[k] || !outline[idx]) offMask++;
        onPolygon[idx] = 1;
      }
    });
    expect(offMask).toBe(0);
    let covered = 0;
    let total = 0;
    for (let i = 0; i < outline.length; i++) {
      if (outline[i]) {
        total++;
        covered += onPolygon[i];
      }
    }
    // single-piece masks: the longest contour visits every outline pixel
    expect(covered / total).toBeGreaterThan(0.99);
  });
});
