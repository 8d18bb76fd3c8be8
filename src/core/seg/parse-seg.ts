// Read a `_seg.npy` dict into a SegFile, applying the loader rules of Cellpose's GUI
// (GUI_AND_FORMATS.md B.4): -1 background, renumbering, colours/ismanual used only when their
// length matches, flows found by dtype and shape.
import { getNumber, type NdArray } from '../array/ndarray.ts';
import { FormatError } from '../errors.ts';
import { npyItem, readNpy } from '../io/npy.ts';
import { isNdArray, NumpyScalar, ObjectArray, PyDict, PyFloat, type PyValue } from '../io/pickle/values.ts';
import { identifyFlows } from './seg-flows.ts';
import type { LabelArray, SegFile, SegFlows, SegLayout, ZDrawEntry } from './seg-file.ts';

const KNOWN_KEYS = new Set([
  'masks', 'outlines', 'colors', 'filename', 'flows', 'ismanual', 'chan_choose', 'current_channel', 'zdraw', 'img',
  'est_diam', 'diameter', 'manual_changes', 'model_path', 'flow_threshold', 'cellprob_threshold', 'normalize_params',
  'restore', 'ratio', 'img_restore',
]);
const GUI_KEYS = ['colors', 'model_path', 'manual_changes', 'current_channel', 'zdraw', 'flow_threshold'];

function num(v: PyValue | undefined): number | null {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (v instanceof PyFloat) return v.value;
  if (v instanceof NumpyScalar) return Number(v.value);
  if (isNdArray(v) && v.data.length === 1) return getNumber(v, 0);
  return null;
}

function str(v: PyValue | undefined): string | null {
  if (typeof v === 'string') return v;
  if (v instanceof ObjectArray && v.items.length === 1 && typeof v.items[0] === 'string') return v.items[0];
  return null;
}

/** Labels as u2 (max < 65535) or u4, C order; signed/-1-background masks are shifted by +1 (B.4.4). */
function toLabels(a: NdArray, what: string, shift: number): LabelArray {
  const n = a.data.length;
  let max = 0;
  let min = Infinity;
  for (let i = 0; i < n; i++) {
    const v = getNumber(a, i) + shift;
    if (!Number.isInteger(v) || v < 0) throw new FormatError(`'${what}' holds ${getNumber(a, i)}, not a label id`);
    if (v > max) max = v;
    if (v < min) min = v;
  }
  if (max > 0xffffffff) throw new FormatError(`'${what}' holds label ids above 2^32`);
  if (shift === 0 && (a.dtype === 'uint16' || a.dtype === 'uint32')) return a as LabelArray;
  const data = max < 65535 ? new Uint16Array(n) : new Uint32Array(n);
  for (let i = 0; i < n; i++) data[i] = getNumber(a, i) + shift;
  return { dtype: data instanceof Uint16Array ? 'uint16' : 'uint32', shape: [...a.shape], data } as LabelArray;
}

function minOf(a: NdArray): number {
  let m = Infinity;
  for (let i = 0; i < a.data.length; i++) m = Math.min(m, getNumber(a, i));
  return m;
}

/** Sorted distinct non-zero ids (a table for dense ids; a Set when a hostile/odd file has huge sparse ids). */
function presentIds(data: Uint16Array | Uint32Array): number[] {
  let max = 0;
  for (let i = 0; i < data.length; i++) if (data[i] > max) max = data[i];
  if (max > 4 * data.length + 65536) {
    const set = new Set<number>();
    for (let i = 0; i < data.length; i++) if (data[i] !== 0) set.add(data[i]);
    return [...set].sort((a, b) => a - b);
  }
  const seen = new Uint8Array(max + 1);
  for (let i = 0; i < data.length; i++) seen[data[i]] = 1;
  const ids: number[] = [];
  for (let v = 1; v <= max; v++) if (seen[v]) ids.push(v);
  return ids;
}

function detectLayout(d: PyDict, flows: PyValue | undefined, f: SegFlows, is3D: boolean): SegLayout {
  if (!Array.isArray(flows)) return 'unknown';
  const isGui = GUI_KEYS.some((k) => d.has(k));
  const at = (i: number): NdArray | undefined => (isNdArray(flows[i]) ? (flows[i] as NdArray) : undefined);
  if (isGui) {
    const f2 = at(2);
    if (f2 && (f2.dtype === 'float32' || f2.dtype === 'float64')) return 'gui4';
    if (d.has('normalize_params') || d.has('restore')) return 'gui3';
    return 'legacy2';
  }
  if (d.has('img') || d.has('est_diam')) return 'legacy2';
  if (flows.length === 5 && (f.dP !== undefined || Array.isArray(flows[4]))) return 'cli';
  return is3D && flows.length === 5 ? 'cli' : 'unknown';
}

function zdrawOf(v: PyValue | undefined): ZDrawEntry[] | null {
  if (!Array.isArray(v)) return null;
  return v.map((e) => {
    if (e === null) return null;
    if (isNdArray(e)) return Array.from({ length: e.data.length }, (_, i) => getNumber(e, i));
    return num(e);
  });
}

/** Parse the dict `np.load(f, allow_pickle=True).item()` gives for a _seg.npy. */
export function parseSeg(value: PyValue): SegFile {
  if (!(value instanceof PyDict)) throw new FormatError('_seg.npy does not hold a dict');
  const d = value;
  const notes: string[] = [];
  const masksRaw = d.get('masks');
  const outlinesRaw = d.get('outlines');
  if (outlinesRaw === undefined) throw new FormatError("not a Cellpose _seg.npy: no 'outlines' key");
  if (!isNdArray(masksRaw)) throw new FormatError("_seg.npy has no 'masks' array");
  if (masksRaw.shape.length !== 2 && masksRaw.shape.length !== 3) {
    throw new FormatError(`'masks' has shape (${masksRaw.shape.join(', ')}), expected (Ly, Lx) or (Lz, Ly, Lx)`);
  }
  if (masksRaw.dtype === 'float32' || masksRaw.dtype === 'float64' || masksRaw.dtype === 'bool') {
    throw new FormatError(`'masks' has dtype ${masksRaw.dtype}, expected integer labels`);
  }
  // Very old files used -1 for background; the GUI adds 1 to masks and outlines (B.4.4).
  const shift = masksRaw.data.length > 0 && minOf(masksRaw) === -1 ? 1 : 0;
  if (shift) notes.push('masks used -1 for background; shifted by +1');
  let masks = toLabels(masksRaw, 'masks', shift);
  let outlines: LabelArray | null = null;
  if (isNdArray(outlinesRaw)) {
    if (outlinesRaw.shape.join() !== masksRaw.shape.join()) notes.push('outlines shape differs from masks; recomputed');
    else outlines = toLabels(outlinesRaw, 'outlines', shift);
  } else notes.push('outlines stored as polygons (Cellpose 0.x); recomputed from masks');

  const ids = presentIds(masks.data);
  let nMasks = ids.length;
  const contiguous = ids.length === 0 || ids[ids.length - 1] === ids.length;
  let colorsOk = true;
  if (!contiguous) {
    // Relabel in increasing id order (keeps the relative order of the stored ids); stored
    // outlines and colours no longer line up and are discarded, as Cellpose does (B.4.5).
    const map = new Map<number, number>(ids.map((v, k) => [v, k + 1]));
    map.set(0, 0);
    const data = nMasks < 65535 ? new Uint16Array(masks.data.length) : new Uint32Array(masks.data.length);
    for (let i = 0; i < data.length; i++) data[i] = map.get(masks.data[i]) ?? 0;
    masks = { dtype: data instanceof Uint16Array ? 'uint16' : 'uint32', shape: [...masks.shape], data } as LabelArray;
    outlines = null;
    colorsOk = false;
    notes.push(`mask ids were not contiguous; renumbered 1..${nMasks}`);
  }
  nMasks = ids.length;

  let colors: NdArray<'uint8'> | null = null;
  const c = d.get('colors');
  if (isNdArray(c) && colorsOk) {
    if (c.shape.length === 2 && c.shape[1] === 3 && c.shape[0] === nMasks) {
      // int64 tables occur when every mask was hand-drawn (A.22): narrow to u1.
      const data = new Uint8Array(c.data.length);
      for (let i = 0; i < data.length; i++) data[i] = Math.min(255, Math.max(0, getNumber(c, i)));
      colors = { dtype: 'uint8', shape: [nMasks, 3], data };
    } else notes.push(`colors has shape (${c.shape.join(', ')}) for ${nMasks} masks; default colours used`);
  }

  const ismanual = new Uint8Array(nMasks);
  const im = d.get('ismanual');
  if (isNdArray(im) && im.data.length === nMasks) for (let i = 0; i < nMasks; i++) ismanual[i] = getNumber(im, i) ? 1 : 0;
  else if (Array.isArray(im) && im.length === nMasks) im.forEach((v, i) => (ismanual[i] = num(v) ? 1 : 0));
  else if (im !== undefined) notes.push('ismanual length does not match the masks; all set to false');

  const is3D = masks.shape.length === 3;
  const spatial = masks.shape;
  const flowsRaw = d.get('flows');
  const flows = identifyFlows(flowsRaw ?? null, spatial, notes);

  const cc = d.get('chan_choose');
  let chanChoose: [number, number] | null = null;
  if (Array.isArray(cc) && cc.length === 2) chanChoose = [num(cc[0]) ?? 0, num(cc[1]) ?? 0];
  else if (isNdArray(cc) && cc.data.length === 2) chanChoose = [getNumber(cc, 0), getNumber(cc, 1)];

  const mp = d.get('model_path');
  const nc = d.get('normalize_params');
  const ir = d.get('img_restore');
  const img = d.get('img');
  const mc = d.get('manual_changes');
  const extra = new PyDict();
  for (const [k, v] of d) if (typeof k !== 'string' || !KNOWN_KEYS.has(k)) extra.set(k, v);
  const diameter = num(d.get('diameter')) ?? num(d.get('est_diam'));
  const filename = str(d.get('filename'));
  return {
    masks,
    outlines,
    nMasks,
    is3D,
    colors,
    ismanual,
    zdraw: zdrawOf(d.get('zdraw')),
    flows,
    diameter: diameter !== null && Number.isNaN(diameter) ? null : diameter,
    filename,
    modelPath: str(mp),
    flowThreshold: num(d.get('flow_threshold')),
    cellprobThreshold: num(d.get('cellprob_threshold')),
    normalizeParams: nc instanceof PyDict ? nc : null,
    chanChoose,
    currentChannel: num(d.get('current_channel')),
    manualChanges: Array.isArray(mc) ? mc : [],
    restore: str(d.get('restore')),
    ratio: num(d.get('ratio')),
    imgRestore: isNdArray(ir) ? ir : null,
    img: isNdArray(img) ? img : null,
    layout: detectLayout(d, flowsRaw, flows, is3D),
    extra,
    notes,
  };
}

/** Read `_seg.npy` bytes into a SegFile. */
export function readSeg(bytes: Uint8Array): SegFile {
  return parseSeg(npyItem(readNpy(bytes)));
}
