// Route one contract call to a backend. Both transports (Electron IPC in src/main, WebSocket in
// src/server) go through here, so the allow-list check lives in one place.
import { isMethodName, type Api, type MethodName } from './contract.ts';

/** A call for a method that is not in CONTRACT_METHODS. */
export class UnknownMethodError extends Error {
  constructor(method: unknown) {
    super(`unknown method ${JSON.stringify(method)}: not part of the Cellpose Studio contract`);
    this.name = 'UnknownMethodError';
  }
}

/** Call `method` on `backend` if it is a contract method; anything else is an UnknownMethodError. */
export async function dispatchCall(backend: Api, method: unknown, params: unknown): Promise<unknown> {
  if (!isMethodName(method)) throw new UnknownMethodError(method);
  const fn = backend[method as MethodName] as (req: unknown) => Promise<unknown>;
  if (typeof fn !== 'function') throw new UnknownMethodError(method);
  return await fn.call(backend, params ?? {});
}
