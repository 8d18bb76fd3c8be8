// What an Electron IPC handler returns. ipcMain.handle would turn a thrown Error into a rejection
// whose message is prefixed ("Error invoking remote method ...") and whose name and data are lost,
// so main returns the error as data and the preload rethrows it intact.
import type { WireError } from './contract.ts';

export type IpcResult<T = unknown> = { ok: true; result: T } | { ok: false; error: WireError };

export function isIpcResult(v: unknown): v is IpcResult {
  if (v === null || typeof v !== 'object') return false;
  const r = v as Record<string, unknown>;
  if (r.ok === true) return 'result' in r;
  return r.ok === false && r.error !== null && typeof r.error === 'object' && typeof (r.error as WireError).message === 'string';
}
