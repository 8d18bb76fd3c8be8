// The Electron transport of the contract: one ipcMain.handle per method on `cellpose:<method>`,
// routed to the backend; backend events forwarded to our windows. Nothing else is registered, so a
// call on any other channel has no handler and is rejected by Electron.
import type { IpcMainInvokeEvent } from 'electron';
import { CONTRACT_EVENTS, CONTRACT_METHODS, channelOf, type Backend, type EventName, type Events } from '../shared/contract.ts';
import { dispatchCall } from '../shared/dispatch.ts';
import type { IpcResult } from '../shared/ipc-envelope.ts';
import { toWireError } from '../shared/wire.ts';

/** The part of Electron's ipcMain we use (so tests can pass a fake). */
export interface IpcMainLike {
  handle(channel: string, listener: (event: IpcMainInvokeEvent, ...args: unknown[]) => Promise<unknown>): void;
  removeHandler(channel: string): void;
}

export interface IpcOptions {
  ipcMain: IpcMainLike;
  backend: Backend;
  /** Sender check (src/main/sender-check.ts); untrusted calls are refused without reaching the backend. */
  isTrusted(event: IpcMainInvokeEvent): boolean;
  /** Deliver an event to the renderer(s), e.g. webContents.send(channel, payload). */
  send(channel: string, payload: unknown): void;
}

export class ForbiddenSenderError extends Error {
  constructor(channel: string) {
    super(`${channel}: refused, the caller is not the Cellpose Studio window`);
    this.name = 'ForbiddenSenderError';
  }
}

/** Register every contract handler; returns a function that removes them again. */
export function registerIpc(opts: IpcOptions): () => void {
  const disposers: Array<() => void> = [];
  for (const method of CONTRACT_METHODS) {
    const channel = channelOf(method);
    opts.ipcMain.handle(channel, async (event, ...args): Promise<IpcResult> => {
      if (!opts.isTrusted(event)) return { ok: false, error: toWireError(new ForbiddenSenderError(channel)) };
      try {
        return { ok: true, result: await dispatchCall(opts.backend, method, args[0]) };
      } catch (e) {
        return { ok: false, error: toWireError(e) };
      }
    });
    disposers.push(() => opts.ipcMain.removeHandler(channel));
  }
  for (const event of CONTRACT_EVENTS) {
    disposers.push(opts.backend.subscribe(event as EventName, (payload: Events[EventName]) => opts.send(channelOf(event), payload)));
  }
  return () => disposers.forEach((d) => d());
}
