// The contract over a WebSocket (browser build): one binary frame per message (src/shared/wire.ts),
// requests matched to responses by id. Connects lazily and reconnects on the next call after a drop.
import {
  CONTRACT_METHODS,
  type Api,
  type EventListener,
  type EventName,
  type MethodName,
  type PreloadApi,
  type RequestOf,
  type ResponseOf,
} from '../../../shared/contract.ts';
import { RemoteError, decodeMessage, encodeMessage, type WireMessage } from '../../../shared/wire.ts';

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
}

export class WsTransport {
  private socket: WebSocket | null = null;
  private opening: Promise<WebSocket> | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Map<EventName, Set<(payload: unknown) => void>>();

  constructor(private readonly url: string) {}

  private connect(): Promise<WebSocket> {
    if (this.socket && this.socket.readyState === WebSocket.OPEN) return Promise.resolve(this.socket);
    if (this.opening) return this.opening;
    this.opening = new Promise<WebSocket>((resolve, reject) => {
      const ws = new WebSocket(this.url);
      ws.binaryType = 'arraybuffer';
      ws.onopen = () => {
        this.socket = ws;
        this.opening = null;
        resolve(ws);
      };
      ws.onerror = () => {
        // Details of a failed WebSocket are not exposed to scripts; the close event follows.
      };
      ws.onclose = (ev) => {
        const why = new Error(`connection to the Cellpose Studio server closed (${ev.code}${ev.reason ? `: ${ev.reason}` : ''})`);
        if (this.opening && this.socket !== ws) {
          this.opening = null;
          reject(why);
        }
        if (this.socket === ws) this.socket = null;
        for (const p of this.pending.values()) p.reject(why);
        this.pending.clear();
      };
      ws.onmessage = (ev) => this.onFrame(ev.data);
    });
    return this.opening;
  }

  private onFrame(data: unknown): void {
    if (!(data instanceof ArrayBuffer)) return;
    let msg: WireMessage;
    try {
      msg = decodeMessage(data);
    } catch (e) {
      console.error(e);
      return;
    }
    if (msg.type === 'response' || msg.type === 'error') {
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      if (msg.type === 'response') p.resolve(msg.result);
      else p.reject(new RemoteError(msg.error));
    } else if (msg.type === 'event') {
      for (const l of this.listeners.get(msg.event) ?? []) l(msg.payload);
    }
  }

  async call<M extends MethodName>(method: M, params: RequestOf<M>): Promise<ResponseOf<M>> {
    const ws = await this.connect();
    const id = this.nextId++;
    const frame = encodeMessage({ type: 'request', id, method, params });
    return new Promise<ResponseOf<M>>((resolve, reject) => {
      this.pending.set(id, { resolve: (v) => resolve(v as ResponseOf<M>), reject });
      ws.send(frame);
    });
  }

  on<E extends EventName>(event: E, listener: EventListener<E>): () => void {
    let set = this.listeners.get(event);
    if (!set) {
      set = new Set();
      this.listeners.set(event, set);
    }
    const l = listener as (payload: unknown) => void;
    set.add(l);
    // Subscribing opens the connection so pushed events arrive before the first call.
    void this.connect().catch(() => undefined);
    return () => set.delete(l);
  }
}

/** A full PreloadApi-shaped object backed by one WebSocket. */
export function createWsApi(url: string): PreloadApi {
  const t = new WsTransport(url);
  const api: Record<string, unknown> = {};
  for (const m of CONTRACT_METHODS) api[m] = (req: unknown) => t.call(m, req as RequestOf<typeof m>);
  api.on = <E extends EventName>(event: E, listener: EventListener<E>) => t.on(event, listener);
  return api as unknown as Api & Pick<PreloadApi, 'on'>;
}
