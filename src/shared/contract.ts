// The IPC contract between the renderer and the backend: one typed method table, carried by either
// Electron IPC (preload + main) or a WebSocket (src/server). Channels are `cellpose:<method>`.
// Big arrays travel as ArrayBuffers inside `WireArray`, never as JSON number lists.
import type { DType } from '../core/array/ndarray.ts';
import type { AxisAssignment, AxisOverride } from '../core/io/image-types.ts';

/** An n-d array on the wire: the buffer crosses as a transferable / binary frame. */
export interface WireArray {
  dtype: DType;
  shape: number[];
  data: ArrayBuffer;
}

export interface OpenImageRequest {
  path: string;
  axes?: AxisOverride;
}

export interface OpenImageBytesRequest {
  name: string;
  bytes: ArrayBuffer;
  axes?: AxisOverride;
}

export interface OpenedImage {
  /** Absolute path on the backend's disk ('' for bytes dropped into a browser). */
  path: string;
  name: string;
  /** (Z, Y, X, C), original dtype. */
  image: WireArray;
  nZ: number;
  height: number;
  width: number;
  nChannels: number;
  dtype: DType;
  assignment: AxisAssignment;
  minValue: number;
  maxValue: number;
  /** Per channel [p1, p99] over the whole stack: Cellpose's auto-saturation levels. */
  percentiles: Array<[number, number]>;
  warnings: string[];
  /** Path of `<stem>_seg.npy` when one exists next to the image. */
  segPath: string | null;
  /** Set for images opened from bytes (path ''): pass it to segment/calibrate instead of a path. */
  imageId?: string;
}

/** Which files a browse lists besides folders (default 'images', Cellpose's image filter). */
export type BrowseFilter = 'images' | 'masks' | 'seg' | 'all';

export interface BrowseRequest {
  /** Folder (or a file in it) to list; default the last folder, else the browse root / home. */
  path?: string;
  filter?: BrowseFilter;
}
export interface BrowseEntry {
  name: string;
  isDir: boolean;
}
export interface BrowseResult {
  path: string;
  parent: string | null;
  entries: BrowseEntry[];
  /** True when the folder held more entries than one listing returns. */
  truncated?: boolean;
}

export interface NeighbourRequest {
  path: string;
  /** +1 next, -1 previous, in Cellpose's folder order (wraps around). */
  step: 1 | -1;
}

export interface SegmentParams {
  model: string;
  diameterPx: number;
  chan: number;
  chan2: number;
  flowThreshold: number;
  cellprobThreshold: number;
  minSize: number;
  niter: number;
  normPercentile: [number, number];
  normalize: boolean;
  invert: boolean;
  /** Cellpose's normalize_params beyond the percentiles ("custom filter settings", A.13;
   *  ALGORITHMS 2.2.2). Absent = Cellpose's defaults: norm3D true, the others 0. */
  norm3D?: boolean;
  /** σ in pixels of a Gaussian smoothing before the percentiles (0 = off). */
  smoothRadius?: number;
  /** σ in pixels of a Gaussian surround subtracted before the percentiles (0 = off). */
  sharpenRadius?: number;
  /** Block size in pixels of tile-wise percentile normalization (0 = off). */
  tileNormBlocksize?: number;
  /** σ of the z smoothing of the tile percentiles of a stack with norm3D (default 1). */
  tileNormSmooth3D?: number;
  augment: boolean;
  do3D: boolean;
  stitchThreshold: number;
  anisotropy: number;
  fast: boolean;
  /** Cellpose's "use GPU": run the network on the first GPU execution provider that starts
   *  (CUDA, DirectML, CoreML, WebGPU), else on the CPU with a warning. Absent = false. */
  useGpu?: boolean;
  /** Keep hand-drawn masks and segment only around them. */
  keepManual?: boolean;
}

export interface SegmentRequest {
  jobId: string;
  /** The image file; '' for an image opened from bytes, which is named by imageId instead. */
  imagePath: string;
  imageId?: string;
  params: SegmentParams;
  /** Labels to keep (hand-drawn masks); the run fills in only around them. */
  keepMasks?: WireArray;
  /** Optional region (uint8 (Y,X) or (Z,Y,X)): segment only inside it. */
  region?: WireArray;
}

export interface SegmentResultDto {
  jobId: string;
  /** Id of the cached flows, for recomputeMasks without the network. */
  flowsId: string;
  masks: WireArray;
  /** Flow picture (Z,Y,X,3) uint8. */
  flowRgb: WireArray;
  /** Cell probability logits (Z,Y,X) float32. */
  cellprob: WireArray;
  /** dZ as uint8 (Z,Y,X) for the gradZ view (3D only). */
  dZU8: WireArray | null;
  diameterPx: number;
  modelName: string;
  /** The execution provider the network ran on: 'cpu', 'webgpu', 'cuda', 'dml' or 'coreml'. */
  provider: string;
  /** True when fast mode ran the int8 network (on the CPU, with no second channel). */
  int8Network: boolean;
  timingsMs: Record<string, number>;
}

export interface RecomputeRequest {
  flowsId: string;
  flowThreshold: number;
  cellprobThreshold: number;
  minSize: number;
  niter: number;
}

export interface MasksDto {
  masks: WireArray;
  elapsedMs: number;
}

export interface SaveSegRequest {
  imagePath: string;
  masks: WireArray;
  ismanual: boolean[];
  zdraw?: Array<number[] | null>;
  flowsId: string | null;
  params: SegmentParams | null;
  /** 'gui' keeps the float flows so re-thresholding works after a reload. */
  layout: 'gui' | 'cli';
}

export interface LoadSegResult {
  segPath: string;
  imagePath: string | null;
  masks: WireArray;
  ismanual: boolean[];
  zdraw: Array<number[] | null> | null;
  flowsId: string | null;
  flowRgb: WireArray | null;
  cellprob: WireArray | null;
  diameterPx: number | null;
  modelName: string | null;
  layout: string;
  /** The file's `chan_choose` and `normalize_params['percentile']`, which Cellpose's GUI puts back
   *  into its panel when it loads a _seg.npy (null when absent or not usable). */
  chanChoose: [number, number] | null;
  normPercentile: [number, number] | null;
}

export interface ExportRequest {
  imagePath: string;
  masks: WireArray;
  kinds: Array<'png' | 'tif' | 'txt' | 'rois' | 'flows'>;
  flowsId?: string | null;
}

export interface ModelInfoDto {
  name: string;
  kind: 'bundled' | 'zoo' | 'custom';
  installed: boolean;
  path: string | null;
  nChannels: number | null;
  diamMean: number | null;
  diamLabels: number | null;
  hasSizeModel: boolean;
}

export type Settings = Record<string, unknown>;

export interface ProgressEvent {
  jobId: string;
  fraction: number;
  stage: string;
  etaMs: number | null;
}

export interface LogEvent {
  level: 'info' | 'warn' | 'error';
  message: string;
}

/** Start journalling an image's masks (GUI autosave journal); recovers a journal left by a crash. */
export interface JournalOpenRequest {
  imagePath: string;
  /** The masks as loaded (the journal's base), with their ismanual / zdraw rows; null = none yet. */
  masks: WireArray | null;
  /** (Z, Y, X) of the image (the base when masks is null: all background). */
  shape: number[];
  ismanual: boolean[];
  zdraw?: Array<number[] | null>;
}

export interface JournalOpenResult {
  journalPath: string;
  /** Steps replayed from a journal newer than the saved masks (0: nothing to recover). */
  recoveredSteps: number;
  /** Masks after replaying them, when recoveredSteps > 0. */
  recovered: { masks: WireArray; ismanual: boolean[]; zdraw: Array<number[] | null> } | null;
  problem: string | null;
}

/** One applied edit step (core/editing/step-codec bytes as uint8). */
export interface JournalStepRequest {
  imagePath: string;
  source: 'edit' | 'undo' | 'redo';
  step: WireArray;
}

/** Whether "use GPU" can work here: the GPU execution provider that started and ran a probe
 *  graph, or null and why not. */
export interface GpuStatusDto {
  provider: string | null;
  reason: string | null;
}

/** Every method the backend offers. Add new ones here and in CONTRACT_METHODS. */
export interface Api {
  openImage(req: OpenImageRequest): Promise<OpenedImage>;
  openImageBytes(req: OpenImageBytesRequest): Promise<OpenedImage>;
  browse(req: BrowseRequest): Promise<BrowseResult>;
  neighbourImage(req: NeighbourRequest): Promise<{ path: string }>;
  segment(req: SegmentRequest): Promise<SegmentResultDto>;
  cancel(req: { jobId: string }): Promise<{ cancelled: boolean }>;
  recomputeMasks(req: RecomputeRequest): Promise<MasksDto>;
  calibrate(req: { imagePath: string; model: string; imageId?: string; useGpu?: boolean }): Promise<{ diameterPx: number }>;
  /** Probed once per backend, in a worker thread of its own (at most 30 s). */
  gpuStatus(req: Record<string, never>): Promise<GpuStatusDto>;
  saveSeg(req: SaveSegRequest): Promise<{ path: string }>;
  loadSeg(req: { path: string }): Promise<LoadSegResult>;
  loadMasks(req: { path: string }): Promise<{ masks: WireArray }>;
  exportResults(req: ExportRequest): Promise<{ paths: string[] }>;
  listModels(req: Record<string, never>): Promise<ModelInfoDto[]>;
  importModel(req: { path: string }): Promise<ModelInfoDto>;
  getSettings(req: Record<string, never>): Promise<Settings>;
  setSettings(req: Settings): Promise<Settings>;
  journalOpen(req: JournalOpenRequest): Promise<JournalOpenResult>;
  journalAppend(req: JournalStepRequest): Promise<{ ok: true }>;
  journalSaved(req: { imagePath: string }): Promise<{ ok: true }>;
  journalDiscard(req: { imagePath: string }): Promise<{ ok: true }>;
}

export type MethodName = keyof Api;
export type RequestOf<M extends MethodName> = Parameters<Api[M]>[0];
export type ResponseOf<M extends MethodName> = Awaited<ReturnType<Api[M]>>;

/** The allow-list of methods, checked in preload and in main (and by the WebSocket server). */
export const CONTRACT_METHODS = [
  'openImage',
  'openImageBytes',
  'browse',
  'neighbourImage',
  'segment',
  'cancel',
  'recomputeMasks',
  'calibrate',
  'gpuStatus',
  'saveSeg',
  'loadSeg',
  'loadMasks',
  'exportResults',
  'listModels',
  'importModel',
  'getSettings',
  'setSettings',
  'journalOpen',
  'journalAppend',
  'journalSaved',
  'journalDiscard',
] as const satisfies readonly MethodName[];

/** A File-menu command in the Electron app; main has already shown the file dialog. */
export type MenuAction = 'openImage' | 'openSeg' | 'loadMasks' | 'save' | 'importModel';
export interface MenuEvent {
  action: MenuAction;
  /** The file the user picked; null for 'save' (the renderer knows what to save). */
  path: string | null;
}

export interface Events {
  onProgress: ProgressEvent;
  onLog: LogEvent;
  /** Electron only: the menu (main process) asks the renderer to act. Never sent over WebSocket. */
  onMenu: MenuEvent;
}
export type EventName = keyof Events;
export const CONTRACT_EVENTS = ['onProgress', 'onLog', 'onMenu'] as const satisfies readonly EventName[];

// Compile-time exhaustiveness: adding a method to Api (or an event to Events) without listing it
// in the allow-list fails typecheck here, so the lists checked by preload, main and the server
// can never silently miss one.
type MissingMethods = Exclude<MethodName, (typeof CONTRACT_METHODS)[number]>;
type MissingEvents = Exclude<EventName, (typeof CONTRACT_EVENTS)[number]>;
export const CONTRACT_METHODS_COMPLETE: [MissingMethods] extends [never] ? true : MissingMethods = true;
export const CONTRACT_EVENTS_COMPLETE: [MissingEvents] extends [never] ? true : MissingEvents = true;

export type EventListener<E extends EventName> = (payload: Events[E]) => void;

/** Where events come from: the backend emits, each transport subscribes and forwards. */
export interface EventSource {
  /** Returns the unsubscribe function. */
  subscribe<E extends EventName>(event: E, listener: EventListener<E>): () => void;
}

/** What createBackend() returns: the contract's methods plus its events. */
export type Backend = Api & EventSource;

/** window.api in the Electron renderer (src/preload): one function per method plus on(event, cb). */
export type PreloadApi = Api & {
  on<E extends EventName>(event: E, listener: EventListener<E>): () => void;
};

export const CHANNEL_PREFIX = 'cellpose:';
export const channelOf = (name: MethodName | EventName): string => CHANNEL_PREFIX + name;

/** Errors cross as plain data. */
export interface WireError {
  name: string;
  message: string;
  data?: unknown;
}

export function isMethodName(s: unknown): s is MethodName {
  return typeof s === 'string' && (CONTRACT_METHODS as readonly string[]).includes(s);
}

export function isEventName(s: unknown): s is EventName {
  return typeof s === 'string' && (CONTRACT_EVENTS as readonly string[]).includes(s);
}
