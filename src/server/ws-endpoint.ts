// The WebSocket transport of the contract: one binary frame per message (src/shared/wire.ts).
// Requests are answered by id, possibly out of order; backend events are pushed to every client.
import type { WebSocket } from 'ws';
import { CONTRACT_EVENTS, type Api, type EventSource } from '../shared/contract.ts';
import { dispatchCall } from '../shared/dispatch.ts';
import { decodeMessage, encodeMessage, toWireError, type WireMessage } from '../shared/wire.ts';

function send(ws: WebSocket, msg: WireMessage): void {
  if (ws.readyState !== ws.OPEN) return;
  let frame: Uint8Array;
  try {
    frame = encodeMessage(msg);
  } catch (e) {
    // A result that cannot be encoded still gets an answer, so the caller never hangs.
    if (msg.type !== 'response') return;
    frame = encodeMessage({ type: 'error', id: msg.id, error: toWireError(e) });
  }
  ws.send(frame, { binary: true });
}

function asBytes(data: Buffer | ArrayBuffer | Buffer[]): Uint8Array {
  if (Array.isArray(data)) return new Uint8Array(Buffer.concat(data));
  return data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** CELLPOSE_STUDIO_TRACE=1: one stderr line per request (method, outcome, elapsedMs), for
 *  diagnosing a stuck or slow GUI without a debugger. */
const TRACE = process.env.CELLPOSE_STUDIO_TRACE === '1';

/** Serve one connected client until it closes. */
export function handleConnection(ws: WebSocket, backend: Api & Partial<EventSource>): void {
  const unsubscribers: Array<() => void> = [];
  if (typeof backend.subscribe === 'function') {
    for (const event of CONTRACT_EVENTS) {
      unsubscribers.push(backend.subscribe(event, (payload) => send(ws, { type: 'event', event, payload })));
    }
  }
  // Jobs this client started: a closed tab cannot see their results, so they are cancelled.
  const running = new Set<string>();
  ws.on('close', () => {
    unsubscribers.forEach((u) => u());
    for (const jobId of running) dispatchCall(backend, 'cancel', { jobId }).catch(() => undefined);
    running.clear();
  });
  ws.on('message', (data, isBinary) => {
    if (!isBinary) {
      ws.close(1003, 'binary frames only');
      return;
    }
    let msg: WireMessage;
    try {
      msg = decodeMessage(asBytes(data));
    } catch (e) {
      // No id to answer to: the protocol is broken, so drop the connection with the reason.
      ws.close(1007, (e instanceof Error ? e.message : String(e)).slice(0, 120));
      return;
    }
    if (msg.type !== 'request') {
      ws.close(1008, `clients send requests only, got ${msg.type}`);
      return;
    }
    const { id, method, params } = msg;
    const jobId = method === 'segment' && params !== null && typeof params === 'object' ? (params as { jobId?: unknown }).jobId : undefined;
    if (typeof jobId === 'string') running.add(jobId);
    const startedMs = performance.now();
    const trace = (outcome: string): void => {
      if (TRACE) console.error(`[ws] ${method} #${id} ${outcome} ${(performance.now() - startedMs).toFixed(0)} ms`);
    };
    trace('start');
    dispatchCall(backend, method, params)
      .then(
        (result) => {
          trace('ok');
          send(ws, { type: 'response', id, result });
        },
        (e: unknown) => {
          const error = toWireError(e);
          trace(`error: ${error.message}`);
          send(ws, { type: 'error', id, error });
        },
      )
      .finally(() => {
        if (typeof jobId === 'string') running.delete(jobId);
      });
  });
}
