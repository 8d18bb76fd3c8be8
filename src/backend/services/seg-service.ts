// saveSeg / loadSeg / loadMasks / exportResults: Cellpose's files (backend/seg) behind the
// contract. A saved GUI-layout _seg.npy carries the float flows of the run, so re-thresholding
// works again after a reload (loadSeg puts them back into the flows cache).
import path from 'node:path';
import type { NdArray } from '../../core/array/ndarray.ts';
import { FormatError } from '../../core/errors.ts';
import { renumber } from '../../core/masks/renumber.ts';
import { toMaskDType } from '../../core/masks/labels.ts';
import { readSeg } from '../../core/seg/parse-seg.ts';
import { PyFloat, type PyDict } from '../../core/io/pickle/values.ts';
import type { SegFile, SegFlows, ZDrawEntry } from '../../core/seg/seg-file.ts';
import { DEFAULT_NORMALIZE, percentilePairOk } from '../../core/transforms/normalize-img.ts';
import { cellprobToU8, dZToU8 } from '../../core/seg/seg-flows.ts';
import { normalizeParamsOf, writeSeg, type SegWriteInput } from '../../core/seg/write-seg.ts';
import type { ExportRequest, LoadSegResult, SaveSegRequest, WireArray } from '../../shared/contract.ts';
import { readImageFile } from '../io/read-image.ts';
import { exportSegOutputs } from '../seg/seg-exports.ts';
import { loadSeg, saveSeg, segPathForImage } from '../seg/seg-files.ts';
import type { CachedFlows, FlowsCache } from './flows-cache.ts';
import { toWireArray } from './opened-image.ts';
import { BadRequestError, namingFile, requireString } from './service-errors.ts';
import { toSegmentOptions } from './segment-params.ts';
import { labelsAsNdArray, labelsFromWire, type Labels } from './wire-labels.ts';

const EXPORT_KINDS = ['png', 'tif', 'txt', 'rois', 'flows'] as const;

/** The cached run's flows as the _seg.npy schema holds them, when they match the masks. */
function segFlowsOf(f: CachedFlows | undefined, labels: Labels): SegFlows | undefined {
  if (!f || f.shape.join() !== labels.shape.join()) return undefined;
  const [nZ, height, width] = f.shape;
  // A 2-D-per-plane stack has (2, nZ, Y, X) flows, which no Cellpose layout stores; keep only its pictures.
  const raw = nZ === 1 || f.do3D;
  const spatial = nZ === 1 && !f.do3D ? [height, width] : [nZ, height, width];
  const flows: SegFlows = {
    cellprobU8: { dtype: 'uint8', shape: [nZ, height, width], data: cellprobToU8(f.cellprob) },
  };
  if (f.flowRgb) flows.rgb = { dtype: 'uint8', shape: [nZ, height, width, 3], data: f.flowRgb };
  if (raw) {
    flows.dP = { dtype: 'float32', shape: [f.dPComponents, ...spatial], data: f.dP };
    flows.cellprob = { dtype: 'float32', shape: spatial, data: f.cellprob };
  }
  if (f.do3D && f.dPComponents === 3) flows.dZU8 = { dtype: 'uint8', shape: [nZ, height, width], data: dZToU8(f.dP.subarray(0, nZ * height * width)) };
  return flows;
}

function zdrawFrom(method: string, z: unknown): ZDrawEntry[] | null {
  if (z === undefined || z === null) return null;
  if (!Array.isArray(z)) throw new BadRequestError(method, '"zdraw" must be a list');
  return z.map((e): ZDrawEntry => {
    if (e === null) return null;
    if (Array.isArray(e) && e.every((v) => Number.isInteger(v) && v >= 0)) return e as number[];
    throw new BadRequestError(method, '"zdraw" entries must be null or lists of plane indices');
  });
}

/** (Y, X) or (Z, Y, X) label arrays from a file, as (nZ, Y, X) on the wire. */
function labelsToWire(a: NdArray): WireArray {
  const shape = a.shape.length === 2 ? [1, a.shape[0], a.shape[1]] : [...a.shape];
  return toWireArray({ data: a.data, shape, dtype: a.dtype });
}

/** normalize_params for a save: the request's segmentation settings, or Cellpose's defaults when
 *  there are none or they do not parse (they are a record of the run, and a save must not fail
 *  for them). */
function normalizeParamsOfRequest(p: SaveSegRequest['params']): PyDict | null {
  if (!p) return null;
  try {
    const n = toSegmentOptions('saveSeg', p).normalize;
    return n ? normalizeParamsOf({ ...DEFAULT_NORMALIZE, ...n }) : null;
  } catch {
    return null;
  }
}

/** The panel settings a loaded file gives back (Cellpose's _load_seg: chan_choose, and the
 *  normalization percentiles through set_normalize_params), when they are usable values. */
function panelSettingsOf(seg: SegFile): Pick<LoadSegResult, 'chanChoose' | 'normPercentile'> {
  const chan = seg.chanChoose;
  const chanChoose = chan && chan.every((c) => Number.isInteger(c) && c >= 0 && c <= 3) ? chan : null;
  const pct = seg.normalizeParams?.get('percentile');
  const nums = Array.isArray(pct) ? pct.map((v) => (v instanceof PyFloat ? v.value : typeof v === 'number' ? v : NaN)) : [];
  const normPercentile = nums.length === 2 && percentilePairOk(nums[0], nums[1]) ? ([nums[0], nums[1]] as [number, number]) : null;
  return { chanChoose, normPercentile };
}

export function createSegService(flows: FlowsCache) {
  return {
    async saveSeg(req: SaveSegRequest): Promise<{ path: string }> {
      const imagePath = path.resolve(requireString('saveSeg', req, 'imagePath'));
      if (req.layout !== 'gui' && req.layout !== 'cli') throw new BadRequestError('saveSeg', '"layout" must be "gui" or "cli"');
      const labels = labelsFromWire('saveSeg', 'masks', req.masks);
      const cached = typeof req.flowsId === 'string' ? flows.get(req.flowsId) : undefined;
      const is3D = cached?.do3D ?? labels.shape[0] > 1;
      if (req.ismanual !== undefined && !(Array.isArray(req.ismanual) && req.ismanual.every((b) => typeof b === 'boolean'))) {
        throw new BadRequestError('saveSeg', '"ismanual" must be a list of booleans');
      }
      const p = req.params;
      const input: SegWriteInput = {
        masks: labelsAsNdArray(labels, is3D),
        flows: segFlowsOf(cached, labels),
        ismanual: Uint8Array.from(req.ismanual ?? [], (b) => (b ? 1 : 0)),
        zdraw: zdrawFrom('saveSeg', req.zdraw),
        // Cellpose stores the image path as given; we store the absolute path, which its reader
        // tries first (A.2).
        filename: imagePath,
        // the panel's diameter, as Cellpose's GUI saves its own; 0 (estimate) saves the run's
        diameter: p && p.diameterPx > 0 ? p.diameterPx : (cached?.diameterPx ?? null),
        // the model of the run that made the flows (Cellpose's current_model_path), else the panel's
        modelPath: cached?.modelName ?? p?.model ?? null,
        flowThreshold: p?.flowThreshold ?? null,
        cellprobThreshold: p?.cellprobThreshold ?? null,
        chanChoose: p ? [p.chan, p.chan2] : null,
        // the normalization of the run, as Cellpose's GUI records it (its training reads it back)
        normalizeParams: normalizeParamsOfRequest(p),
      };
      const segPath = segPathForImage(imagePath);
      await namingFile(segPath, () => saveSeg(segPath, input, req.layout));
      return { path: segPath };
    },

    async loadSeg(req: { path: string }): Promise<LoadSegResult> {
      const segPath = path.resolve(requireString('loadSeg', req, 'path'));
      const { seg, imagePath } = await namingFile(segPath, () => loadSeg(segPath));
      const spatial = seg.masks.shape;
      const nZ = spatial.length === 3 ? spatial[0] : 1;
      const [height, width] = spatial.slice(-2);
      let flowsId: string | null = null;
      const { dP, cellprob, rgb } = seg.flows;
      if (dP && cellprob && cellprob.data.length === nZ * height * width && dP.data.length === dP.shape[0] * nZ * height * width) {
        flowsId = flows.put({
          dP: dP.data,
          dPComponents: dP.shape[0],
          cellprob: cellprob.data,
          flowRgb: rgb && rgb.data.length === nZ * height * width * 3 ? rgb.data : null,
          diameterPx: seg.diameter,
          modelName: seg.modelPath,
          shape: [nZ, height, width],
          do3D: seg.is3D,
          stitchThreshold: 0,
          // The file does not record niter; Cellpose's dynamics default.
          niterUsed: 200,
          imagePath: imagePath ?? '',
        });
      }
      return {
        segPath,
        imagePath,
        masks: labelsToWire(seg.masks),
        ismanual: Array.from(seg.ismanual, (v) => v !== 0),
        // A number entry (-1) marks a mask from a model in 3-D files: no hand-drawn planes.
        zdraw: seg.zdraw ? seg.zdraw.map((e) => (e === null || typeof e === 'number' ? null : e)) : null,
        flowsId,
        flowRgb: rgb && rgb.data.length === nZ * height * width * 3 ? toWireArray({ data: rgb.data.slice(), shape: [nZ, height, width, 3], dtype: 'uint8' }) : null,
        cellprob: cellprob && cellprob.data.length === nZ * height * width ? toWireArray({ data: cellprob.data.slice(), shape: [nZ, height, width], dtype: 'float32' }) : null,
        diameterPx: seg.diameter,
        modelName: seg.modelPath,
        layout: seg.layout,
        ...panelSettingsOf(seg),
      };
    },

    async loadMasks(req: { path: string }): Promise<{ masks: WireArray }> {
      const file = path.resolve(requireString('loadMasks', req, 'path'));
      const stack = await namingFile(file, () => readImageFile(file));
      const masks = await namingFile(file, async () => {
        if (stack.nChannels !== 1) throw new FormatError(`a mask image has one channel, this one has ${stack.nChannels}`);
        const src = stack.data.data;
        if (src instanceof BigInt64Array || src instanceof BigUint64Array) throw new FormatError('64-bit integer labels are not supported');
        const labels = new Uint32Array(src.length);
        for (let i = 0; i < src.length; i++) {
          const v = src[i];
          if (!(Number.isInteger(v) && v >= 0 && v <= 0xffffffff)) throw new FormatError(`value ${v} at pixel ${i} is not a label (labels are whole numbers >= 0)`);
          labels[i] = v;
        }
        // Cellpose renumbers non-contiguous ids on load (A.2), in order of first appearance.
        renumber(labels);
        return toMaskDType(labels);
      });
      return { masks: toWireArray({ data: masks, shape: [stack.nZ, stack.height, stack.width], dtype: masks instanceof Uint32Array ? 'uint32' : 'uint16' }) };
    },

    async exportResults(req: ExportRequest): Promise<{ paths: string[] }> {
      const imagePath = path.resolve(requireString('exportResults', req, 'imagePath'));
      if (!Array.isArray(req.kinds) || req.kinds.length === 0 || !req.kinds.every((k) => (EXPORT_KINDS as readonly string[]).includes(k))) {
        throw new BadRequestError('exportResults', `"kinds" must list some of ${EXPORT_KINDS.join(', ')}`);
      }
      const labels = labelsFromWire('exportResults', 'masks', req.masks);
      const cached = typeof req.flowsId === 'string' ? flows.get(req.flowsId) : undefined;
      if (req.kinds.includes('flows') && !cached) throw new BadRequestError('exportResults', 'exporting flows needs the flows of a segmentation (flowsId)');
      const input: SegWriteInput = { masks: labelsAsNdArray(labels, cached?.do3D ?? labels.shape[0] > 1), flows: segFlowsOf(cached, labels) };
      // Through the writer and reader, so the exports see exactly what a saved _seg.npy would hold
      // (contiguous labels, the flows list Cellpose writes).
      const seg: SegFile = readSeg(writeSeg(input, 'cli'));
      const ext = path.extname(imagePath);
      const stem = path.basename(imagePath, ext);
      const opts = Object.fromEntries(req.kinds.map((k) => [k, true]));
      const written = await namingFile(imagePath, () => exportSegOutputs(seg, path.dirname(imagePath), stem, opts));
      return { paths: written.map((w) => w.path) };
    },
  };
}
