// window.api exists only in the Electron renderer (the preload exposes it); in the browser build
// it is undefined and the renderer talks WebSocket instead.
import type { PreloadApi } from './contract.ts';

declare global {
  interface Window {
    api?: PreloadApi;
  }
}
