// SegFile -> the dict Cellpose writes (GUI_AND_FORMATS.md B.2, D.10), in two layouts:
//  'cli': exactly the keys of Cellpose's CLI writer (io.masks_flows_to_seg, 3.1+), with its
//         5-entry flows list [rgb, cellprob u1, zeros|dZ u1, [], dP+cellprob f4].
//  'gui': the 3.x GUI's keys (2-D or 3-D set), but with the same 5-entry flows list instead of
//         the GUI's own 2/3 display-only entries. Cellpose 3.x's GUI re-thresholds from flows
//         positions 3/4 (A.22), which its own saves never contain; the CLI list carries the raw
//         float dP and cellprob there, so Cellpose's loaders and ours can re-threshold after a reload.
import type { NdArray } from '../array/ndarray.ts';
import type { NormalizeOptions } from '../transforms/normalize-img.ts';
import { FormatError } from '../errors.ts';
import { writeNpyPickled, writeNpyPickledParts } from '../io/npy.ts';
import { NumpyScalar, PyDict, PyFloat, type PyValue } from '../io/pickle/values.ts';
import { labelledOutlines } from '../masks/masks-to-outlines.ts';
import { maskColors } from './colors.ts';
import { cliFlowsList } from './seg-flows.ts';
import type { LabelArray, SegFlows, ZDrawEntry } from './seg-file.ts';

export type SegWriteLayout = 'cli' | 'gui';

/** What a writer needs; a SegFile from parseSeg satisfies it. Only `masks` is required. */
export interface SegWriteInput {
  masks: NdArray;
  /** Stored outline image; computed from masks when absent. */
  outlines?: LabelArray | null;
  flows?: SegFlows;
  colors?: NdArray<'uint8'> | null;
  ismanual?: Uint8Array;
  zdraw?: ZDrawEntry[] | null;
  diameter?: number | null;
  filename?: string | null;
  modelPath?: string | null;
  flowThreshold?: number | null;
  cellprobThreshold?: number | null;
  normalizeParams?: PyDict | null;
  chanChoose?: [number, number] | null;
  currentChannel?: number | null;
  manualChanges?: PyValue[];
  restore?: string | null;
  ratio?: number | null;
  imgRestore?: NdArray | null;
  extra?: PyDict;
}

/** Cellpose 3.x GUI defaults for normalize_params (as in a real GUI save). */
export function defaultNormalizeParams(): PyDict {
  const d = new PyDict();
  d.set('lowhigh', null);
  d.set('percentile', [new PyFloat(1), new PyFloat(99)]);
  d.set('normalize', true);
  d.set('norm3D', true);
  d.set('sharpen_radius', 0);
  d.set('smooth_radius', 0);
  d.set('tile_norm_blocksize', 0);
  d.set('tile_norm_smooth3D', 1);
  d.set('invert', false);
  return d;
}

/** The normalization a model run used, as Cellpose's GUI saves it (its get_normalize_params): the
 *  defaults above with the run's settings; a setting left at its default keeps the default's type
 *  (Cellpose writes the int 0 there, and a float where the user typed a value). */
export function normalizeParamsOf(o: NormalizeOptions): PyDict {
  const d = defaultNormalizeParams();
  d.set('percentile', [new PyFloat(o.percentile[0]), new PyFloat(o.percentile[1])]);
  d.set('normalize', o.normalize);
  d.set('norm3D', o.norm3D);
  const setUnlessDefault = (key: string, v: number, def: number): void => {
    if (v !== def) d.set(key, new PyFloat(v));
  };
  setUnlessDefault('sharpen_radius', o.sharpenRadius ?? 0, 0);
  setUnlessDefault('smooth_radius', o.smoothRadius ?? 0, 0);
  setUnlessDefault('tile_norm_blocksize', o.tileNormBlocksize, 0);
  setUnlessDefault('tile_norm_smooth3D', o.tileNormSmooth3D ?? 1, 1);
  d.set('invert', o.invert);
  return d;
}

/** Masks as u2 below 65535 labels, else u4 (B.2), plus the label count. */
export function normalizeLabels(masks: NdArray): { labels: LabelArray; maxId: number } {
  if (masks.shape.length !== 2 && masks.shape.length !== 3) {
    throw new FormatError(`masks must be (Ly, Lx) or (Lz, Ly, Lx), got (${masks.shape.join(', ')})`);
  }
  let max = 0;
  const n = masks.data.length;
  for (let i = 0; i < n; i++) {
    const v = Number(masks.data[i]);
    if (!Number.isInteger(v) || v < 0) throw new FormatError(`masks hold ${v}, not a label id`);
    if (v > max) max = v;
  }
  if (max > 0xffffffff) throw new FormatError('masks hold label ids above 2^32');
  const wantU4 = max >= 65535;
  if ((masks.dtype === 'uint16' && !wantU4) || (masks.dtype === 'uint32' && wantU4)) return { labels: masks as LabelArray, maxId: max };
  const data = wantU4 ? new Uint32Array(n) : new Uint16Array(n);
  for (let i = 0; i < n; i++) data[i] = Number(masks.data[i]);
  return { labels: { dtype: wantU4 ? 'uint32' : 'uint16', shape: [...masks.shape], data } as LabelArray, maxId: max };
}

function sameLabelType(o: LabelArray, m: LabelArray): LabelArray {
  if (o.dtype === m.dtype) return o;
  const data = m.dtype === 'uint16' ? Uint16Array.from(o.data) : Uint32Array.from(o.data);
  return { dtype: m.dtype, shape: [...o.shape], data } as LabelArray;
}

const floatOrNone = (v: number | null | undefined): PyValue => (v === null || v === undefined ? null : new PyFloat(v));

/** The dict to pickle for a _seg.npy in the chosen layout. */
export function segToPickleValue(seg: SegWriteInput, layout: SegWriteLayout): PyDict {
  const { labels: masks, maxId: n } = normalizeLabels(seg.masks);
  const is3D = masks.shape.length === 3;
  let outlines: LabelArray;
  if (seg.outlines && seg.outlines.shape.join() === masks.shape.join()) outlines = sameLabelType(seg.outlines, masks);
  else outlines = { dtype: masks.dtype, shape: [...masks.shape], data: labelledOutlines(masks.data, masks.shape) } as LabelArray;
  const ismanual = new Uint8Array(n);
  if (seg.ismanual && seg.ismanual.length === n) ismanual.set(seg.ismanual);
  const isman: NdArray = { dtype: 'bool', shape: [n], data: ismanual };
  const flows = cliFlowsList(seg.flows ?? {}, masks.shape);
  const chan = seg.chanChoose ?? [0, 0];
  const d = new PyDict();
  if (layout === 'cli') {
    d.set('outlines', outlines);
    d.set('masks', masks);
    d.set('chan_choose', [chan[0], chan[1]]);
    d.set('ismanual', isman);
    d.set('filename', seg.filename ?? '');
    d.set('flows', flows);
    d.set('diameter', floatOrNone(seg.diameter));
    if (seg.restore) {
      d.set('restore', seg.restore);
      d.set('ratio', floatOrNone(seg.ratio ?? 1));
      if (seg.imgRestore) d.set('img_restore', seg.imgRestore);
    }
  } else {
    const colors =
      seg.colors && seg.colors.shape[0] === n && seg.colors.shape[1] === 3
        ? seg.colors
        : ({ dtype: 'uint8', shape: [n, 3], data: maskColors(n) } as NdArray<'uint8'>);
    d.set('outlines', outlines);
    d.set('colors', colors);
    d.set('masks', masks);
    if (is3D) d.set('current_channel', seg.currentChannel ?? 0);
    else d.set('chan_choose', [chan[0], chan[1]]);
    d.set('filename', seg.filename ?? '');
    d.set('flows', flows);
    if (is3D) {
      // Masks from a model carry a numpy int16 -1 in zdraw (B.2); hand-drawn ones their planes.
      const z = seg.zdraw && seg.zdraw.length === n ? seg.zdraw : new Array<ZDrawEntry>(n).fill(-1);
      d.set(
        'zdraw',
        z.map((e): PyValue => (e === null ? null : typeof e === 'number' ? new NumpyScalar('int16', e) : { dtype: 'int64', shape: [e.length], data: BigInt64Array.from(e, BigInt) })),
      );
    } else {
      d.set('ismanual', isman);
      d.set('manual_changes', seg.manualChanges ?? []);
    }
    d.set('model_path', seg.modelPath ?? 0);
    d.set('flow_threshold', new PyFloat(seg.flowThreshold ?? 0.4));
    d.set('cellprob_threshold', new PyFloat(seg.cellprobThreshold ?? 0));
    d.set('normalize_params', seg.normalizeParams ?? defaultNormalizeParams());
    d.set('restore', seg.restore ?? null);
    d.set('ratio', new PyFloat(seg.ratio ?? 1));
    d.set('diameter', floatOrNone(seg.diameter));
    if (seg.restore && seg.imgRestore) d.set('img_restore', seg.imgRestore);
  }
  if (seg.extra) for (const [k, v] of seg.extra) if (!d.has(k)) d.set(k, v);
  return d;
}

/** The bytes of a _seg.npy (v1.0 header + protocol-3 pickle with numpy.core names): a snapshot,
 *  safe to write while the arrays change. */
export function writeSeg(seg: SegWriteInput, layout: SegWriteLayout): Uint8Array {
  return writeNpyPickled(segToPickleValue(seg, layout));
}

/** writeSeg in pieces, with the masks' and flows' data as views of the input arrays: the same
 *  bytes without a copy of the file in memory (a 4096² CLI result is a 386 MB file). Write them
 *  out before anything changes those arrays. */
export function writeSegParts(seg: SegWriteInput, layout: SegWriteLayout): Uint8Array[] {
  return writeNpyPickledParts(segToPickleValue(seg, layout));
}
