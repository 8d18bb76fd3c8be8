// The other outputs of a segmentation, as Cellpose's GUI names them (GUI_AND_FORMATS.md A.17,
// B.6-B.9): `<stem>_cp_masks.png|.tif`, `<stem>_cp_outlines.txt`, `<stem>_rois.zip`, and the flow
// TIFFs `<stem>_cp_cellprob.tif`, `<stem>_cp_flows_0/1/2.tif`, `<stem>_cp_flows.tif`.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { NdArray } from '../../core/array/ndarray.ts';
import { FormatError } from '../../core/errors.ts';
import { encodeRoisZip } from '../../core/io/imagej-roi.ts';
import { formatOutlinesTxt } from '../../core/io/outlines-txt.ts';
import { encodePng16 } from '../../core/io/png-write.ts';
import { encodeTiff } from '../../core/io/tiff-write.ts';
import { utf8Encode } from '../../core/util/platform.ts';
import { outlinesList } from '../../core/masks/outlines-list.ts';
import { cliFlowsList } from '../../core/seg/seg-flows.ts';
import type { SegFile } from '../../core/seg/seg-file.ts';
import { writeFileAtomic } from '../io/atomic-write.ts';

export interface ExportOptions {
  png?: boolean;
  tif?: boolean;
  txt?: boolean;
  rois?: boolean;
  flows?: boolean;
}

export interface ExportedFile {
  path: string;
  what: string;
}

/** One (Ly, Lx) plane of channel c of an (…, Ly, Lx, 3) u1 picture, for every leading index. */
function channelOf(rgb: NdArray<'uint8'>, c: number): NdArray<'uint8'> {
  const n = rgb.data.length / 3;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = rgb.data[3 * i + c];
  return squeezeLeadingOne({ dtype: 'uint8', shape: rgb.shape.slice(0, -1), data: out });
}

function squeezeLeadingOne<T extends NdArray>(a: T): T {
  return a.shape.length > 2 && a.shape[0] === 1 ? ({ ...a, shape: a.shape.slice(1) } as T) : a;
}

/**
 * Write the requested outputs for `seg` into `dir` with file names `<stem>...`; returns what was
 * written. 2-D only outputs (text outlines, ROIs) are refused for 3-D masks, as Cellpose does.
 */
export async function exportSegOutputs(seg: SegFile, dir: string, stem: string, opts: ExportOptions): Promise<ExportedFile[]> {
  const written: ExportedFile[] = [];
  await mkdir(dir, { recursive: true });
  const put = async (name: string, bytes: Uint8Array, what: string): Promise<void> => {
    const path = join(dir, name);
    await writeFileAtomic(path, bytes);
    written.push({ path, what });
  };
  const masks = seg.masks;
  const is3D = masks.shape.length === 3;
  if ((opts.txt || opts.rois) && is3D) throw new FormatError('text outlines and ImageJ ROIs are 2-D only (Cellpose refuses them for 3-D masks)');
  if (opts.png || opts.tif) {
    // PNG only for 2-D labels that fit 16 bits; the GUI switches to TIFF above 65534 (B.6, A.17).
    const pngOk = !is3D && seg.nMasks <= 65534;
    if (opts.png && pngOk) {
      const u2: NdArray<'uint16'> = masks.dtype === 'uint16' ? (masks as NdArray<'uint16'>) : { dtype: 'uint16', shape: masks.shape, data: Uint16Array.from(masks.data) };
      await put(`${stem}_cp_masks.png`, encodePng16(u2), 'masks (16-bit PNG)');
    }
    if (opts.tif || (opts.png && !pngOk)) await put(`${stem}_cp_masks.tif`, encodeTiff(masks, { compression: 'deflate' }), 'masks (TIFF)');
  }
  if (opts.txt || opts.rois) {
    const polygons = outlinesList(masks.data, [masks.shape[0], masks.shape[1]]);
    if (opts.txt) await put(`${stem}_cp_outlines.txt`, utf8Encode(formatOutlinesTxt(polygons)), 'ImageJ text outlines');
    if (opts.rois) await put(`${stem}_rois.zip`, encodeRoisZip(polygons), 'ImageJ ROI archive');
  }
  if (opts.flows) {
    const list = cliFlowsList(seg.flows, masks.shape);
    const [rgb, cellprobU8] = list as [NdArray<'uint8'> | [], NdArray<'uint8'> | []];
    if (Array.isArray(rgb) || Array.isArray(cellprobU8)) throw new FormatError('this _seg.npy holds no flows to export');
    await put(`${stem}_cp_cellprob.tif`, encodeTiff(squeezeLeadingOne(cellprobU8)), 'cellprob picture (u1)');
    for (let c = 0; c < 3; c++) await put(`${stem}_cp_flows_${c}.tif`, encodeTiff(channelOf(rgb, c)), `flow picture channel ${c}`);
    // `_cp_flows.tif` is flows[2] in the GUI: the dZ picture in 3.x 3-D, float dP in 4.x. We
    // write the float dP when the file has it (what re-analysis needs), else the dZ picture.
    if (seg.flows.dP) {
      await put(`${stem}_cp_flows.tif`, encodeTiff(yxPages(seg.flows.dP)), 'raw flows dP (float32)');
    } else if (seg.flows.dZU8) await put(`${stem}_cp_flows.tif`, encodeTiff(seg.flows.dZU8), 'dZ picture (u1)');
  }
  return written;
}

/** (2, Ly, Lx) or (3, Lz, Ly, Lx) as its (Ly, Lx) pages in C order (component-major). */
function yxPages(dP: NdArray<'float32'>): NdArray[] {
  const [ly, lx] = dP.shape.slice(-2);
  const plane = ly * lx;
  const pages: NdArray[] = [];
  for (let p = 0; p < dP.data.length / plane; p++) pages.push({ dtype: 'float32', shape: [ly, lx], data: dP.data.subarray(p * plane, (p + 1) * plane) });
  return pages;
}
