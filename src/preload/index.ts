// The sandboxed preload: exposes exactly the contract's channels as window.api, one invoke per
// method plus on(event, cb) for the contract's events, and nothing else (never ipcRenderer itself).
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import {
  CONTRACT_METHODS,
  channelOf,
  isEventName,
  type EventListener,
  type EventName,
  type MethodName,
  type PreloadApi,
} from '../shared/contract.ts';
import { isIpcResult } from '../shared/ipc-envelope.ts';
import { RemoteError } from '../shared/wire.ts';

async function invoke(method: MethodName, req: unknown): Promise<unknown> {
  const reply: unknown = await ipcRenderer.invoke(channelOf(method), req);
  if (!isIpcResult(reply)) throw new Error(`${method}: malformed reply from the main process`);
  if (!reply.ok) throw new RemoteError(reply.error);
  return reply.result;
}

function on<E extends EventName>(event: E, listener: EventListener<E>): () => void {
  if (!isEventName(event)) throw new Error(`unknown event ${JSON.stringify(event)}`);
  if (typeof listener !== 'function') throw new TypeError('listener must be a function');
  const channel = channelOf(event);
  // The Electron event object (with its sender) never reaches the page, only the payload.
  const wrapped = (_e: IpcRendererEvent, payload: unknown): void => listener(payload as Parameters<EventListener<E>>[0]);
  ipcRenderer.on(channel, wrapped);
  return () => {
    ipcRenderer.removeListener(channel, wrapped);
  };
}

export function buildPreloadApi(): PreloadApi {
  const api: Record<string, unknown> = {};
  for (const method of CONTRACT_METHODS) api[method] = (req: unknown) => invoke(method, req);
  api.on = on;
  return api as unknown as PreloadApi;
}

contextBridge.exposeInMainWorld('api', buildPreloadApi());
