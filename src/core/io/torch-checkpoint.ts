// Read the weights of a `torch.save(state_dict)` file without Python (ALGORITHMS.md Appendix B):
// a ZIP with `<prefix>/data.pkl` (a pickle of an OrderedDict name -> tensor) and one raw
// little-endian storage per tensor under `<prefix>/data/<key>`.
import { allocTyped, type DType, type NdArray, type TypedArray } from '../array/ndarray.ts';
import { FormatError } from '../errors.ts';
import { ClassToken, PickleCallable, RawTuple } from './pickle/globals.ts';
import { bfloat16ToFloat32, checkedShapeSize, float16ToFloat32 } from './pickle/numpy-data.ts';
import { unpickle } from './pickle/reader.ts';
import { PyDict, PyExtension } from './pickle/values.ts';
import { isZip, readZipEntries, readZipEntry, zipEntryData, type ZipEntry } from './zip-read.ts';

export interface TorchStateDict {
  /** Every tensor, contiguous row-major; float16/bfloat16 widened to float32. */
  tensors: Map<string, NdArray>;
  /** Tensor names in the file's (state_dict()) order. */
  keys: string[];
}

interface StorageKind {
  /** Bytes per element in the file. */
  itemsize: number;
  /** The NdArray dtype the elements decode to. */
  dtype: DType;
  decode?: (raw: number) => number;
}

const STORAGE_KINDS: Record<string, StorageKind> = {
  FloatStorage: { itemsize: 4, dtype: 'float32' },
  DoubleStorage: { itemsize: 8, dtype: 'float64' },
  HalfStorage: { itemsize: 2, dtype: 'float32', decode: float16ToFloat32 },
  BFloat16Storage: { itemsize: 2, dtype: 'float32', decode: bfloat16ToFloat32 },
  LongStorage: { itemsize: 8, dtype: 'int64' },
  IntStorage: { itemsize: 4, dtype: 'int32' },
  ShortStorage: { itemsize: 2, dtype: 'int16' },
  CharStorage: { itemsize: 1, dtype: 'int8' },
  ByteStorage: { itemsize: 1, dtype: 'uint8' },
  BoolStorage: { itemsize: 1, dtype: 'bool' },
};

class StorageToken extends ClassToken {
  constructor(
    readonly storageName: string,
    readonly kind: StorageKind,
  ) {
    super(`torch.${storageName}`);
  }
}

/** What BINPERSID gives for ('storage', StorageClass, key, location, numel). */
class StorageRef {
  constructor(
    readonly kind: StorageKind,
    readonly key: string,
    readonly numel: number,
  ) {}
}

/** A tensor as the pickle describes it: storage + offset + size + stride (elements). */
export class TensorRef extends PyExtension {
  constructor(
    readonly storage: StorageRef,
    readonly offset: number,
    readonly size: number[],
    readonly stride: number[],
  ) {
    super();
  }
}

function intList(v: unknown, what: string): number[] {
  const items = v instanceof RawTuple ? v.items : Array.isArray(v) ? v : null;
  if (!items) throw new FormatError(`tensor ${what} is not a tuple`);
  return items.map((x) => {
    if (typeof x !== 'number' || !Number.isSafeInteger(x) || x < 0) throw new FormatError(`tensor ${what} holds ${String(x)}`);
    return x;
  });
}

function torchGlobal(module: string, name: string): PickleCallable | ClassToken | undefined {
  if (module === 'torch' && name in STORAGE_KINDS) return new StorageToken(name, STORAGE_KINDS[name]);
  if (module === 'torch._utils' && name === '_rebuild_tensor_v2') {
    return new PickleCallable('torch._utils._rebuild_tensor_v2', (args) => {
      // (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
      if (args.length < 4) throw new FormatError('_rebuild_tensor_v2 called with too few arguments');
      const [storage, offset, size, stride] = args;
      if (!(storage instanceof StorageRef)) throw new FormatError('_rebuild_tensor_v2 without a storage');
      if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0) throw new FormatError('tensor storage offset is invalid');
      const sz = intList(size, 'size');
      const st = intList(stride, 'stride');
      if (sz.length !== st.length) throw new FormatError('tensor size and stride differ in length');
      return new TensorRef(storage, offset, sz, st);
    });
  }
  if (module === 'torch._utils' && name === '_rebuild_parameter') {
    // nn.Parameter(data, requires_grad, hooks): the data is all we need.
    return new PickleCallable('torch._utils._rebuild_parameter', (args) => {
      if (!(args[0] instanceof TensorRef)) throw new FormatError('_rebuild_parameter without a tensor');
      return args[0];
    });
  }
  return undefined;
}

function persistentLoad(pid: unknown): unknown {
  if (!(pid instanceof RawTuple) || pid.items.length < 5 || pid.items[0] !== 'storage') {
    throw new FormatError('unsupported persistent id (expected a torch storage tuple)');
  }
  const [, cls, key, , numel] = pid.items;
  if (!(cls instanceof StorageToken)) throw new FormatError('persistent id without a storage class');
  if (typeof key !== 'string') throw new FormatError('storage key is not a string');
  if (typeof numel !== 'number' || !Number.isSafeInteger(numel) || numel < 0) throw new FormatError('storage size is invalid');
  return new StorageRef(cls.kind, key, numel);
}

/** A storage's entry must hold all its elements. */
function checkStorageSize(byteCount: number, s: StorageRef): void {
  if (byteCount < s.numel * s.kind.itemsize) throw new FormatError(`storage '${s.key}' has ${byteCount} bytes, needs ${s.numel * s.kind.itemsize}`);
}

/** Decode a whole storage into a flat typed array of its NdArray dtype. */
function decodeStorage(raw: Uint8Array, s: StorageRef): TypedArray {
  checkStorageSize(raw.length, s);
  const { kind, numel } = s;
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const out = allocTyped(kind.dtype, numel);
  if (kind.decode) {
    const f = out as Float32Array;
    for (let i = 0; i < numel; i++) f[i] = kind.decode(view.getUint16(2 * i, true));
  } else {
    // Copy to an aligned buffer: zip entries sit at arbitrary offsets.
    new Uint8Array(out.buffer).set(raw.subarray(0, numel * kind.itemsize));
  }
  return out;
}

/** The tensor's element count, after checking that its view stays inside a storage of
 *  `storageLength` elements and is not absurdly larger than the file (`bytesInFile`). */
function checkView(t: TensorRef, storageLength: number, name: string, bytesInFile: number): number {
  const count = checkedShapeSize(t.size);
  // Stride-0 (expanded) views may be larger than their storage, but not absurdly so.
  if (count > 8 * bytesInFile + (1 << 20)) throw new FormatError(`tensor '${name}' declares ${count} elements, far more than the file holds`);
  // Highest storage element the view touches must lie inside the storage.
  let maxIndex = t.offset;
  for (let k = 0; k < t.size.length; k++) if (t.size[k] > 0) maxIndex += (t.size[k] - 1) * t.stride[k];
  if (count > 0 && maxIndex >= storageLength) throw new FormatError(`tensor '${name}' reaches past its storage`);
  return count;
}

function materialize(t: TensorRef, flat: TypedArray, dtype: DType, name: string, bytesInFile: number): NdArray {
  const count = checkView(t, flat.length, name, bytesInFile);
  const out = allocTyped(dtype, count);
  const nd = t.size.length;
  let contiguous = true;
  let expect = 1;
  for (let k = nd - 1; k >= 0; k--) {
    if (t.size[k] !== 1 && t.stride[k] !== expect) contiguous = false;
    expect *= t.size[k];
  }
  if (contiguous) {
    (out as Float32Array).set((flat as Float32Array).subarray(t.offset, t.offset + count));
  } else {
    const idx = new Array<number>(nd).fill(0);
    let src = t.offset;
    for (let i = 0; i < count; i++) {
      out[i] = flat[src];
      for (let k = nd - 1; k >= 0; k--) {
        idx[k]++;
        src += t.stride[k];
        if (idx[k] < t.size[k]) break;
        src -= t.stride[k] * idx[k];
        idx[k] = 0;
      }
    }
  }
  return { data: out, shape: [...t.size], dtype } as NdArray;
}

/** The pickled dict of a PyTorch (>= 1.6, zip) state dict file, with each tensor's storage entry. */
function openStateDict(bytes: Uint8Array): Array<{ name: string; ref: TensorRef; entry: ZipEntry }> {
  if (!isZip(bytes)) {
    // Pre-1.6 torch.save: a pickle stream starting with PROTO 2 and a magic LONG.
    if (bytes.length > 2 && bytes[0] === 0x80 && bytes[1] === 0x02) {
      throw new FormatError('this is a legacy (pre-1.6, non-zip) PyTorch file; re-save it with torch >= 1.6 (torch.save(torch.load(f), f))');
    }
    throw new FormatError('not a PyTorch checkpoint (no ZIP signature)');
  }
  const entries = readZipEntries(bytes);
  const byName = new Map<string, ZipEntry>(entries.map((e) => [e.name, e]));
  const pkl = entries.find((e) => e.name === 'data.pkl' || e.name.endsWith('/data.pkl'));
  if (!pkl) throw new FormatError('PyTorch checkpoint has no data.pkl');
  const prefix = pkl.name.slice(0, pkl.name.length - 'data.pkl'.length);
  const top = unpickle(readZipEntry(bytes, pkl), { resolveGlobal: torchGlobal, persistentLoad });
  if (!(top instanceof PyDict)) throw new FormatError('checkpoint does not hold a state dict (top level is not a dict)');
  const out: Array<{ name: string; ref: TensorRef; entry: ZipEntry }> = [];
  for (const [k, v] of top) {
    if (!(v instanceof TensorRef)) continue;
    const name = String(k);
    const entry = byName.get(`${prefix}data/${v.storage.key}`);
    if (!entry) throw new FormatError(`checkpoint is missing storage data/${v.storage.key} of '${name}'`);
    out.push({ name, ref: v, entry });
  }
  if (out.length === 0) throw new FormatError('checkpoint holds no tensors');
  return out;
}

/** Read a PyTorch (>= 1.6, zip) state dict file. */
export function readTorchStateDict(bytes: Uint8Array): TorchStateDict {
  const storages = new Map<string, TypedArray>();
  const tensors = new Map<string, NdArray>();
  const keys: string[] = [];
  for (const { name, ref, entry } of openStateDict(bytes)) {
    const s = ref.storage;
    let flat = storages.get(s.key);
    if (!flat) {
      flat = decodeStorage(readZipEntry(bytes, entry), s);
      storages.set(s.key, flat);
    }
    tensors.set(name, materialize(ref, flat, s.kind.dtype, name, bytes.length));
    keys.push(name);
  }
  return { tensors, keys };
}

/** A tensor's shape and dtype, and its values only where they were read. */
export interface TensorHeader {
  readonly shape: readonly number[];
  readonly dtype: DType;
  readonly data?: TypedArray;
}

/** Tensors this small (diam_mean, diam_labels, num_batches_tracked) are read with the headers. */
const HEADER_VALUES_MAX_ELEMENTS = 16;

/**
 * Every tensor's shape and dtype without decoding the weights: what a model listing or a load
 * from the ONNX cache needs (a default CPnet file in a few ms instead of decoding 26 MB). Each
 * storage entry is checked as readTorchStateDict would find it (present, its data inside the file,
 * large enough for the tensor's view); tensors of at most 16 elements also get their values.
 */
export function readTorchStateDictHeaders(bytes: Uint8Array): Map<string, TensorHeader> {
  const headers = new Map<string, TensorHeader>();
  for (const { name, ref, entry } of openStateDict(bytes)) {
    const s = ref.storage;
    if (checkedShapeSize(ref.size) <= HEADER_VALUES_MAX_ELEMENTS) {
      const flat = decodeStorage(readZipEntry(bytes, entry), s);
      headers.set(name, materialize(ref, flat, s.kind.dtype, name, bytes.length));
      continue;
    }
    checkStorageEntry(bytes, entry, s);
    checkView(ref, s.numel, name, bytes.length);
    headers.set(name, { shape: [...ref.size], dtype: s.kind.dtype });
  }
  return headers;
}

/** The checks readZipEntry and decodeStorage make of a storage entry, without inflating or copying it. */
function checkStorageEntry(bytes: Uint8Array, entry: ZipEntry, s: StorageRef): void {
  zipEntryData(bytes, entry);
  checkStorageSize(entry.size, s);
}

export interface CellposeCheckpointInfo {
  /** Input channels (2 for Cellpose 3 models). */
  nchan: number;
  /** Output maps (3: dY, dX, cellprob). */
  nout: number;
  /** [nchan, 32, 64, 128, 256] for the default CPnet. */
  nbase: number[];
  /** From the file, or null when an old file lacks the key (Cellpose then keeps its init value). */
  diamMean: number | null;
  diamLabels: number | null;
}

function need(tensors: ReadonlyMap<string, TensorHeader>, key: string, ndim: number): TensorHeader {
  const t = tensors.get(key);
  if (!t) throw new FormatError(`state_dict has no '${key}' (not a Cellpose CPnet checkpoint?)`);
  if (t.shape.length !== ndim) throw new FormatError(`state_dict '${key}' has shape (${t.shape.join(', ')}), expected ${ndim} dims`);
  return t;
}

function scalarOf(tensors: ReadonlyMap<string, TensorHeader>, key: string): number | null {
  const t = tensors.get(key);
  if (!t?.data || t.data.length < 1) return null;
  const v = t.data[0];
  return typeof v === 'bigint' ? Number(v) : v;
}

/**
 * Check that a state dict is a Cellpose 3 CPnet (ALGORITHMS.md 1.5, Appendix A) and read its
 * hyper-parameters from the weight shapes. Cellpose-SAM (v4) files hold a `W2` key and are refused,
 * as CPnet itself refuses them.
 */
export function describeCellposeCheckpoint(tensors: ReadonlyMap<string, TensorHeader>): CellposeCheckpointInfo {
  if (tensors.has('W2')) throw new FormatError('this is a Cellpose-SAM (v4) checkpoint, not supported');
  const out = need(tensors, 'output.2.weight', 4);
  const first = need(tensors, 'downsample.down.res_down_0.conv.conv_0.2.weight', 4);
  const nchan = first.shape[1];
  const nbase = [nchan];
  for (let i = 0; i < 4; i++) nbase.push(need(tensors, `downsample.down.res_down_${i}.conv.conv_0.2.weight`, 4).shape[0]);
  for (let i = 0; i < 4; i++) need(tensors, `upsample.up.res_up_${i}.conv.conv_0.2.weight`, 4);
  need(tensors, 'output.2.bias', 1);
  if (out.shape[1] !== nbase[1]) throw new FormatError(`state_dict 'output.2.weight' has ${out.shape[1]} input channels, expected ${nbase[1]}`);
  return { nchan, nout: out.shape[0], nbase, diamMean: scalarOf(tensors, 'diam_mean'), diamLabels: scalarOf(tensors, 'diam_labels') };
}
