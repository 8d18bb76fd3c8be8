// The renderer's only door to the backend: the Electron preload's window.api when present,
// else the same contract over a WebSocket to the server that served this page.
import type { PreloadApi } from '../../../shared/contract.ts';
import { createWsApi } from './ws-client.ts';

let instance: PreloadApi | null = null;

export function wsUrlFor(loc: { protocol: string; host: string }): string {
  return `${loc.protocol === 'https:' ? 'wss:' : 'ws:'}//${loc.host}/ws`;
}

export function getApi(): PreloadApi {
  if (!instance) instance = window.api ?? createWsApi(wsUrlFor(window.location));
  return instance;
}

/** True in Electron, where the main process owns dialogs and drag-and-drop gives real paths. */
export function isElectron(): boolean {
  return window.api !== undefined;
}

/** The message of any thrown value, for the error banner. */
export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
