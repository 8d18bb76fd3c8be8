import { describe, expect, it } from 'vitest';
import { collectTransferables, decodeMessage, encodeMessage, toWireError, RemoteError, WireFormatError, type WireMessage } from '../../src/shared/wire.ts';

function bufferOf(values: number[], Ctor: Uint16ArrayConstructor | Float32ArrayConstructor = Uint16Array): ArrayBuffer {
  return new Ctor(values).buffer as ArrayBuffer;
}

describe('wire codec', () => {
  it('round-trips a response with nested WireArrays, a 0-length buffer and odd byte lengths', () => {
    const msg: WireMessage = {
      type: 'response',
      id: 7,
      result: {
        masks: { dtype: 'uint16', shape: [2, 3], data: bufferOf([1, 2, 3, 4, 5, 65535]) },
        nested: [[{ dtype: 'uint8', shape: [3], data: new Uint8Array([9, 8, 7]).buffer }], { empty: new ArrayBuffer(0) }],
        cellprob: { dtype: 'float32', shape: [2], data: bufferOf([-1.5, 3.25], Float32Array) },
        percentiles: [[0, 255]],
        label: 'héllo ✓',
        nothing: null,
      },
    };
    const frame = encodeMessage(msg);
    expect(frame.byteLength % 8).toBe(0);
    const back = decodeMessage(frame) as { type: string; id: number; result: Record<string, unknown> };
    expect(back.type).toBe('response');
    expect(back.id).toBe(7);
    const r = back.result as {
      masks: { data: ArrayBuffer; shape: number[] };
      nested: [[{ data: ArrayBuffer }], { empty: ArrayBuffer }];
      cellprob: { data: ArrayBuffer };
      percentiles: number[][];
      label: string;
      nothing: null;
    };
    expect(r.masks.data).toBeInstanceOf(ArrayBuffer);
    expect([...new Uint16Array(r.masks.data)]).toEqual([1, 2, 3, 4, 5, 65535]);
    expect(r.masks.shape).toEqual([2, 3]);
    expect([...new Uint8Array(r.nested[0][0].data)]).toEqual([9, 8, 7]);
    expect(r.nested[1].empty.byteLength).toBe(0);
    expect([...new Float32Array(r.cellprob.data)]).toEqual([-1.5, 3.25]);
    expect(r.percentiles).toEqual([[0, 255]]);
    expect(r.label).toBe('héllo ✓');
    expect(r.nothing).toBeNull();
  });

  it('keeps typed-array views (only their window of the buffer) and their type', () => {
    const big = new Float64Array([1, 2, 3, 4, 5]);
    const view = big.subarray(1, 3);
    const back = decodeMessage(encodeMessage({ type: 'request', id: 1, method: 'segment', params: { v: view } })) as {
      params: { v: Float64Array };
    };
    expect(back.params.v).toBeInstanceOf(Float64Array);
    expect([...back.params.v]).toEqual([2, 3]);
  });

  it('round-trips a Node Buffer frame at a non-zero offset (what ws hands the server)', () => {
    const frame = encodeMessage({ type: 'event', event: 'onProgress', payload: { jobId: 'a', fraction: 0.5, stage: 'net', etaMs: null } });
    const pool = new Uint8Array(frame.byteLength + 3);
    pool.set(frame, 3);
    const back = decodeMessage(pool.subarray(3));
    expect(back).toEqual({ type: 'event', event: 'onProgress', payload: { jobId: 'a', fraction: 0.5, stage: 'net', etaMs: null } });
  });

  it('round-trips an error message', () => {
    const back = decodeMessage(encodeMessage({ type: 'error', id: 3, error: { name: 'FormatError', message: 'x.tif: truncated', data: { k: 1 } } }));
    expect(back).toEqual({ type: 'error', id: 3, error: { name: 'FormatError', message: 'x.tif: truncated', data: { k: 1 } } });
  });

  it('rejects truncated and corrupt frames with a WireFormatError naming the problem', () => {
    const frame = encodeMessage({ type: 'response', id: 1, result: { data: new Uint8Array(100).buffer } });
    expect(() => decodeMessage(frame.subarray(0, 5))).toThrow(/shorter than the 8-byte prefix/);
    expect(() => decodeMessage(frame.subarray(0, frame.byteLength - 50))).toThrow(/runs past the end/);
    const bad = frame.slice();
    bad[0] = 0;
    expect(() => decodeMessage(bad)).toThrow(/magic/);
    const huge = frame.slice();
    new DataView(huge.buffer).setUint32(4, 0xffffffff, true);
    expect(() => decodeMessage(huge)).toThrow(WireFormatError);
    const notJson = frame.slice();
    notJson[8] = 0x7b + 1;
    expect(() => decodeMessage(notJson)).toThrow(/not JSON/);
  });

  it('rejects unknown message types and out-of-range buffer references', () => {
    const enc = (header: unknown): Uint8Array => {
      const json = new TextEncoder().encode(JSON.stringify(header));
      const f = new Uint8Array(8 + json.byteLength);
      new DataView(f.buffer).setUint32(0, 0x31575043, true);
      new DataView(f.buffer).setUint32(4, json.byteLength, true);
      f.set(json, 8);
      return f;
    };
    expect(() => decodeMessage(enc({ msg: { type: 'hack' }, bufs: [] }))).toThrow(/unknown message type/);
    expect(() => decodeMessage(enc({ msg: { type: 'response', id: 1, result: { __buf: 2 } }, bufs: [] }))).toThrow(/out of range/);
    expect(() => decodeMessage(enc({ msg: { type: 'response', id: 1, result: 1 }, bufs: [-1] }))).toThrow(/bad buffer length/);
  });

  it('collects each distinct buffer once for a transfer list', () => {
    const a = new ArrayBuffer(4);
    const b = new Float32Array(2);
    expect(collectTransferables({ x: a, y: [a, { z: b }], w: 3 })).toEqual([a, b.buffer]);
  });

  it('carries errors as {name, message, data} and rebuilds them', () => {
    const e = Object.assign(new TypeError('bad'), { data: { path: '/x' } });
    const w = toWireError(e);
    expect(w).toEqual({ name: 'TypeError', message: 'bad', data: { path: '/x' } });
    const r = new RemoteError(w);
    expect(r.name).toBe('TypeError');
    expect(r.message).toBe('bad');
    expect(r.data).toEqual({ path: '/x' });
  });
});
