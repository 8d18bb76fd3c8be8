// One contract message (request, response, error or event) and all its ArrayBuffers as a single
// binary WebSocket frame, so big arrays never become JSON number lists (DESIGN.md).
//
// Frame layout (little endian):
//   [u32 magic 'CPW1'][u32 headerLength][header: JSON, utf-8][zero padding to a multiple of 8]
//   [buffer 0][padding to 8][buffer 1][padding to 8]...
// The header is {msg, bufs}: `msg` is the message with every ArrayBuffer (or typed-array view)
// replaced by {__buf: i} (plus __view: constructor name for views), `bufs` the byte length of each.
// Buffers start at multiples of 8 so a Float64Array over the frame would be aligned; decode still
// copies each into its own ArrayBuffer, because receivers keep and transfer them independently.
//
// JSON semantics apply to everything else: NaN/Infinity become null and undefined properties vanish.
import type { EventName, Events, MethodName, WireError } from './contract.ts';

// TextEncoder/TextDecoder are globals in every host of src/shared (Node, Electron, browsers).
// (core/util/platform.ts wraps them for core, but the lint pattern for the Node 'util' module
// also matches that path, so shared uses the globals directly.)
const utf8Encode = (s: string): Uint8Array => new TextEncoder().encode(s);
const utf8Decode = (b: Uint8Array): string => new TextDecoder('utf-8', { fatal: true }).decode(b);

export type RequestMessage = { type: 'request'; id: number; method: MethodName | string; params: unknown };
export type ResponseMessage = { type: 'response'; id: number; result: unknown };
export type ErrorMessage = { type: 'error'; id: number; error: WireError };
export type EventMessage<E extends EventName = EventName> = { type: 'event'; event: E; payload: Events[E] };
export type WireMessage = RequestMessage | ResponseMessage | ErrorMessage | EventMessage;

/** A frame that is not a well-formed wire message. */
export class WireFormatError extends Error {
  constructor(message: string) {
    super(`bad wire frame: ${message}`);
    this.name = 'WireFormatError';
  }
}

const MAGIC = 0x31575043; // 'CPW1' read as little-endian u32
const PREFIX_BYTES = 8;
/** Deeper nesting than this is a malformed or hostile message, not a contract value. */
const MAX_DEPTH = 64;

const VIEW_CTORS = {
  Uint8Array,
  Int8Array,
  Uint8ClampedArray,
  Uint16Array,
  Int16Array,
  Uint32Array,
  Int32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
} as const;
type ViewName = keyof typeof VIEW_CTORS;

function isViewName(s: unknown): s is ViewName {
  return typeof s === 'string' && Object.prototype.hasOwnProperty.call(VIEW_CTORS, s);
}

const align8 = (n: number): number => (n + 7) & ~7;

function viewNameOf(v: ArrayBufferView): ViewName | null {
  for (const name of Object.keys(VIEW_CTORS) as ViewName[]) {
    if (v.constructor === VIEW_CTORS[name]) return name;
  }
  return null;
}

/** Replace every buffer in `value` with a reference, collecting the bytes in `out`. */
function extract(value: unknown, out: Uint8Array[], depth: number): unknown {
  if (depth > MAX_DEPTH) throw new WireFormatError(`message nested deeper than ${MAX_DEPTH} levels`);
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof ArrayBuffer) {
    out.push(new Uint8Array(value));
    return { __buf: out.length - 1 };
  }
  if (ArrayBuffer.isView(value)) {
    const name = viewNameOf(value);
    if (name === null) throw new WireFormatError(`cannot send a ${value.constructor.name} (use an ArrayBuffer)`);
    out.push(new Uint8Array(value.buffer, value.byteOffset, value.byteLength));
    return { __buf: out.length - 1, __view: name };
  }
  if (Array.isArray(value)) return value.map((v) => extract(v, out, depth + 1));
  const obj: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (k === '__buf') throw new WireFormatError('the key "__buf" is reserved for buffer references');
    obj[k] = extract(v, out, depth + 1);
  }
  return obj;
}

/** Encode one message and its buffers into a single frame. */
export function encodeMessage(msg: WireMessage): Uint8Array {
  const parts: Uint8Array[] = [];
  const replaced = extract(msg, parts, 0);
  const header = utf8Encode(JSON.stringify({ msg: replaced, bufs: parts.map((p) => p.byteLength) }));
  let total = align8(PREFIX_BYTES + header.byteLength);
  for (const p of parts) total += align8(p.byteLength);
  const frame = new Uint8Array(total);
  const dv = new DataView(frame.buffer);
  dv.setUint32(0, MAGIC, true);
  dv.setUint32(4, header.byteLength, true);
  frame.set(header, PREFIX_BYTES);
  let offset = align8(PREFIX_BYTES + header.byteLength);
  for (const p of parts) {
    frame.set(p, offset);
    offset += align8(p.byteLength);
  }
  return frame;
}

function restore(value: unknown, bufs: ArrayBuffer[], depth: number): unknown {
  if (depth > MAX_DEPTH) throw new WireFormatError(`message nested deeper than ${MAX_DEPTH} levels`);
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => restore(v, bufs, depth + 1));
  const rec = value as Record<string, unknown>;
  if ('__buf' in rec) {
    const i = rec.__buf;
    if (typeof i !== 'number' || !Number.isInteger(i) || i < 0 || i >= bufs.length) {
      throw new WireFormatError(`buffer reference ${JSON.stringify(i)} out of range (${bufs.length} buffers)`);
    }
    const buf = bufs[i];
    if (rec.__view === undefined) return buf;
    if (!isViewName(rec.__view)) throw new WireFormatError(`unknown view type ${JSON.stringify(rec.__view)}`);
    const Ctor = VIEW_CTORS[rec.__view];
    if (buf.byteLength % Ctor.BYTES_PER_ELEMENT !== 0) {
      throw new WireFormatError(`${rec.__view} buffer of ${buf.byteLength} bytes is not a whole number of elements`);
    }
    return new Ctor(buf);
  }
  const obj: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(rec)) obj[k] = restore(v, bufs, depth + 1);
  return obj;
}

function asMessage(v: unknown): WireMessage {
  if (v === null || typeof v !== 'object') throw new WireFormatError('message is not an object');
  const m = v as Record<string, unknown>;
  switch (m.type) {
    case 'request':
      if (typeof m.id !== 'number' || typeof m.method !== 'string') throw new WireFormatError('request needs a numeric id and a method');
      return m as unknown as RequestMessage;
    case 'response':
      if (typeof m.id !== 'number') throw new WireFormatError('response needs a numeric id');
      return m as unknown as ResponseMessage;
    case 'error': {
      const e = m.error as Record<string, unknown> | null;
      if (typeof m.id !== 'number' || e === null || typeof e !== 'object' || typeof e.message !== 'string') {
        throw new WireFormatError('error needs a numeric id and an error with a message');
      }
      return m as unknown as ErrorMessage;
    }
    case 'event':
      if (typeof m.event !== 'string') throw new WireFormatError('event needs a name');
      return m as unknown as EventMessage;
    default:
      throw new WireFormatError(`unknown message type ${JSON.stringify(m.type)}`);
  }
}

/** Decode one frame. Every problem (truncation, bad JSON, bad references) is a WireFormatError. */
export function decodeMessage(frame: Uint8Array | ArrayBuffer): WireMessage {
  const bytes = frame instanceof Uint8Array ? frame : new Uint8Array(frame);
  if (bytes.byteLength < PREFIX_BYTES) throw new WireFormatError(`${bytes.byteLength} bytes is shorter than the 8-byte prefix`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (dv.getUint32(0, true) !== MAGIC) throw new WireFormatError('missing CPW1 magic');
  const headerLength = dv.getUint32(4, true);
  if (PREFIX_BYTES + headerLength > bytes.byteLength) {
    throw new WireFormatError(`header of ${headerLength} bytes runs past the end of a ${bytes.byteLength}-byte frame`);
  }
  let header: unknown;
  try {
    header = JSON.parse(utf8Decode(bytes.subarray(PREFIX_BYTES, PREFIX_BYTES + headerLength)));
  } catch (e) {
    throw new WireFormatError(`header is not JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  if (header === null || typeof header !== 'object') throw new WireFormatError('header is not an object');
  const { msg, bufs: lengths } = header as { msg?: unknown; bufs?: unknown };
  if (!Array.isArray(lengths)) throw new WireFormatError('header has no buffer table');
  const bufs: ArrayBuffer[] = [];
  let offset = align8(PREFIX_BYTES + headerLength);
  for (const len of lengths) {
    if (typeof len !== 'number' || !Number.isInteger(len) || len < 0) throw new WireFormatError(`bad buffer length ${JSON.stringify(len)}`);
    if (offset + len > bytes.byteLength) {
      throw new WireFormatError(`buffer ${bufs.length} (${len} bytes) runs past the end of a ${bytes.byteLength}-byte frame`);
    }
    bufs.push(bytes.slice(offset, offset + len).buffer);
    offset += align8(len);
  }
  return asMessage(restore(msg, bufs, 0));
}

/** Every distinct ArrayBuffer inside a value: the transfer list for postMessage (workers). */
export function collectTransferables(value: unknown): ArrayBuffer[] {
  const found = new Set<ArrayBuffer>();
  const walk = (v: unknown, depth: number): void => {
    if (depth > MAX_DEPTH || v === null || typeof v !== 'object') return;
    if (v instanceof ArrayBuffer) found.add(v);
    else if (ArrayBuffer.isView(v)) {
      if (v.buffer instanceof ArrayBuffer) found.add(v.buffer);
    } else if (Array.isArray(v)) v.forEach((x) => walk(x, depth + 1));
    else for (const x of Object.values(v)) walk(x, depth + 1);
  };
  walk(value, 0);
  return [...found];
}

/** An Error (or anything thrown) as the plain {name, message, data} that crosses a transport. */
export function toWireError(e: unknown): WireError {
  if (e instanceof Error) {
    const data = (e as { data?: unknown }).data;
    return data === undefined ? { name: e.name, message: e.message } : { name: e.name, message: e.message, data };
  }
  return { name: 'Error', message: String(e) };
}

/** The receiving side's Error for a WireError: same name and message, data kept. */
export class RemoteError extends Error {
  readonly data: unknown;
  constructor(err: WireError) {
    super(err.message);
    this.name = err.name;
    this.data = err.data;
  }
}
