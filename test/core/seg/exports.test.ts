import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FormatError } from '../../../src/core/errors.ts';
import { decodeImagejRoi, decodeRoisZip, encodeImagejRoi, encodeRoisZip } from '../../../src/core/io/imagej-roi.ts';
import { formatOutlinesTxt, parseOutlinesTxt } from '../../../src/core/io/outlines-txt.ts';
import { outlinesList } from '../../../src/core/masks/outlines-list.ts';
import { readSeg } from '../../../src/core/seg/parse-seg.ts';
import { runPython } from '../io/pickle/python.ts';
import { sharedPath } from '../../helpers/shared-data.ts';

const seg = readSeg(new Uint8Array(readFileSync(sharedPath('fixtures/cellpose/gui2d/crop2d_seg.npy'))));
const [ly, lx] = seg.masks.shape;
const polygons = outlinesList(seg.masks.data, [ly, lx]);

describe('_cp_outlines.txt from the real GUI file (28 masks)', () => {
  const text = formatOutlinesTxt(polygons);
  it('has one line per mask, each on outline pixels of that mask as Cellpose stored them', () => {
    const lines = text.split('\n');
    expect(lines.length).toBe(seg.nMasks + 1); // trailing newline
    expect(lines[seg.nMasks]).toBe('');
    const back = parseOutlinesTxt(text);
    expect(back.length).toBe(28);
    back.forEach((p, k) => {
      expect(p.length, `mask ${k + 1}`).toBeGreaterThan(8);
      for (let i = 0; i < p.length; i += 2) {
        const at = p[i + 1] * lx + p[i];
        expect(seg.outlines!.data[at], `mask ${k + 1} point ${i / 2}`).toBe(k + 1);
      }
    });
  });
  it('writes empty lines for masks without a contour and rejects garbage', () => {
    expect(formatOutlinesTxt([Int32Array.from([1, 2, 3, 4]), new Int32Array(0), Int32Array.from([5, 6])])).toBe('1,2,3,4\n\n5,6\n');
    expect(() => parseOutlinesTxt('1,2,x\n')).toThrow(FormatError);
  });
});

describe('_rois.zip of ImageJ ROIs', () => {
  it('decodes in Python (ImageJ RoiDecoder offsets) to the polygons, names and bounds we encoded', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rois-'));
    const zipPath = join(dir, 'crop2d_rois.zip');
    writeFileSync(zipPath, encodeRoisZip(polygons));
    // An independent reader written from ImageJ's RoiDecoder field table, not from our encoder.
    const out = runPython(`
import zipfile, struct, json
res = []
with zipfile.ZipFile(${JSON.stringify(zipPath)}) as z:
    for info in z.infolist():
        b = z.read(info)
        assert b[:4] == b'Iout' and info.compress_type == zipfile.ZIP_STORED
        version, rtype = struct.unpack('>hB', b[4:7])
        top, left, bottom, right, n = struct.unpack('>hhhhH', b[8:18])
        options, = struct.unpack('>h', b[50:52])
        h2, = struct.unpack('>i', b[60:64])
        xs = struct.unpack('>%dh' % n, b[64:64 + 2 * n]); ys = struct.unpack('>%dh' % n, b[64 + 2 * n:64 + 4 * n])
        name_off, name_len = struct.unpack('>ii', b[h2 + 16:h2 + 24])
        name = b[name_off:name_off + 2 * name_len].decode('utf-16-be')
        pts = [v for x, y in zip(xs, ys) for v in (x + left, y + top)]
        res.append([info.filename, name, version, rtype, options, top, left, bottom, right, pts, len(b) == h2 + 64 + 2 * name_len])
print(json.dumps(res))
`);
    const rois = JSON.parse(out) as [string, string, number, number, number, number, number, number, number, number[], boolean][];
    expect(rois.length).toBe(28);
    rois.forEach(([file, name, version, type, options, top, left, bottom, right, pts, sized], k) => {
      const p = polygons[k];
      expect(file).toBe(`${k + 1}.roi`);
      expect(name).toBe(String(k + 1));
      expect([version, type, options, sized]).toEqual([228, 7, 40, true]);
      expect(pts).toEqual(Array.from(p));
      const xs = pts.filter((_, i) => i % 2 === 0);
      const ys = pts.filter((_, i) => i % 2 === 1);
      expect([left, top, right, bottom]).toEqual([Math.min(...xs), Math.min(...ys), Math.max(...xs) + 1, Math.max(...ys) + 1]);
    });
    const back = decodeRoisZip(new Uint8Array(readFileSync(zipPath)));
    expect(back.map((r) => Array.from(r.points))).toEqual(polygons.map((p) => Array.from(p)));
  });

  it('skips empty polygons, keeping mask ids as names; refuses out-of-range polygons and corrupt ROIs', () => {
    const zip = encodeRoisZip([Int32Array.from([1, 1, 2, 1, 2, 2]), new Int32Array(0), Int32Array.from([5, 5, 6, 6])]);
    expect(decodeRoisZip(zip).map((r) => r.name)).toEqual(['1', '3']);
    expect(() => encodeImagejRoi(Int32Array.from([0, 0, 40000, 1]), 'big')).toThrow(/int16/);
    const roi = encodeImagejRoi(Int32Array.from([3, 4, 5, 6]), 'x');
    expect(() => decodeImagejRoi(roi.subarray(0, 66))).toThrow(/declares 2 points/);
    expect(() => decodeImagejRoi(new Uint8Array(70))).toThrow(/Iout/);
  });
});
