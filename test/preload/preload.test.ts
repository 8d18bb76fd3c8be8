// The sandboxed preload with `electron` mocked: it exposes exactly the contract (one function per
// method plus on()), invokes only cellpose:<method> channels, rethrows errors intact, and never
// hands the page ipcRenderer or the Electron event object.
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { CONTRACT_METHODS, type PreloadApi } from '../../src/shared/contract.ts';

const h = vi.hoisted(() => ({
  exposed: [] as Array<[string, unknown]>,
  invoked: [] as Array<[string, unknown]>,
  on: new Map<string, Set<(...a: unknown[]) => void>>(),
  reply: undefined as unknown,
}));

vi.mock('electron', () => {
  const ipcRenderer = {
    invoke: async (channel: string, req: unknown) => {
      h.invoked.push([channel, req]);
      return h.reply;
    },
    on: (channel: string, f: (...a: unknown[]) => void) => {
      const set = h.on.get(channel) ?? new Set();
      h.on.set(channel, set);
      set.add(f);
    },
    removeListener: (channel: string, f: (...a: unknown[]) => void) => h.on.get(channel)?.delete(f),
    send: vi.fn(),
    sendSync: vi.fn(),
  };
  return { ipcRenderer, contextBridge: { exposeInMainWorld: (key: string, value: unknown) => h.exposed.push([key, value]) } };
});

describe('preload', () => {
  let api: PreloadApi;
  beforeAll(async () => {
    await import('../../src/preload/index.ts');
    api = h.exposed[0][1] as PreloadApi;
  });

  it('exposes one object, window.api, with exactly the contract methods plus on()', () => {
    expect(h.exposed.map(([k]) => k)).toEqual(['api']);
    expect(Object.keys(api).sort()).toEqual([...CONTRACT_METHODS, 'on'].sort());
    for (const v of Object.values(api)) expect(typeof v).toBe('function');
  });

  it('invokes cellpose:<method> with the request and returns the result', async () => {
    h.reply = { ok: true, result: { path: '/b.tif' } };
    await expect(api.neighbourImage({ path: '/a.tif', step: 1 })).resolves.toEqual({ path: '/b.tif' });
    expect(h.invoked.at(-1)).toEqual(['cellpose:neighbourImage', { path: '/a.tif', step: 1 }]);
  });

  it('rethrows a backend error with its name, message and data', async () => {
    h.reply = { ok: false, error: { name: 'FormatError', message: '/a.tif: truncated', data: { offset: 8 } } };
    const err = (await api.openImage({ path: '/a.tif' }).then(
      () => new Error('resolved'),
      (e: unknown) => e,
    )) as Error & { data: unknown };
    expect(err.name).toBe('FormatError');
    expect(err.message).toBe('/a.tif: truncated');
    expect(err.data).toEqual({ offset: 8 });
    h.reply = 'garbage';
    await expect(api.getSettings({})).rejects.toThrow(/malformed reply/);
  });

  it('subscribes only to contract events and passes the payload, not the Electron event', () => {
    const got: unknown[] = [];
    const off = api.on('onLog', (p) => got.push(p));
    const fakeEvent = { sender: 'ipcRenderer-ish' };
    h.on.get('cellpose:onLog')?.forEach((f) => f(fakeEvent, { level: 'info', message: 'hi' }));
    expect(got).toEqual([{ level: 'info', message: 'hi' }]);
    off();
    expect(h.on.get('cellpose:onLog')?.size).toBe(0);
    expect(() => api.on('evil' as 'onLog', () => undefined)).toThrow(/unknown event/);
    expect(h.on.has('cellpose:evil')).toBe(false);
  });
});
