// The Electron main process with `electron` mocked: the window is locked down, every contract
// method has exactly one IPC handler that routes to the backend, unknown channels have none, and
// foreign senders are refused before the backend sees the call.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { Menu, dialog } from 'electron';
import { CONTRACT_METHODS, channelOf, type MethodName } from '../../src/shared/contract.ts';

type Handler = (event: unknown, ...args: unknown[]) => Promise<unknown>;

const h = vi.hoisted(() => {
  const handlers = new Map<string, (event: unknown, ...args: unknown[]) => Promise<unknown>>();
  const windows: Array<{ options: Record<string, unknown>; contents: { id: number; on: Map<string, (...a: unknown[]) => void>; openHandler?: () => unknown; sent: unknown[][] }; loaded: string[] }> = [];
  const backendCalls: Array<[string, unknown]> = [];
  const listeners = new Map<string, Set<(p: unknown) => void>>();
  let ready: () => void = () => undefined;
  return { handlers, windows, backendCalls, listeners, ready: (): void => ready(), setReady: (f: () => void) => (ready = f) };
});

vi.mock('electron', () => {
  class BrowserWindow {
    static getAllWindows = (): unknown[] => h.windows;
    webContents: Record<string, unknown>;
    constructor(options: Record<string, unknown>) {
      const on = new Map<string, (...a: unknown[]) => void>();
      const rec = { options, contents: { id: 100 + h.windows.length, on, sent: [] as unknown[][], openHandler: undefined as undefined | (() => unknown) }, loaded: [] as string[] };
      h.windows.push(rec);
      this.webContents = {
        id: rec.contents.id,
        on: (name: string, f: (...a: unknown[]) => void) => on.set(name, f),
        setWindowOpenHandler: (f: () => unknown) => (rec.contents.openHandler = f),
        session: { setPermissionRequestHandler: () => undefined },
        send: (...a: unknown[]) => rec.contents.sent.push(a),
        toggleDevTools: () => undefined,
      };
      this.loadURL = async (u: string) => {
        rec.loaded.push(u);
      };
    }
    loadURL: (u: string) => Promise<void>;
    once(): void {}
    on(): void {}
    show(): void {}
    isDestroyed(): boolean {
      return false;
    }
  }
  return {
    BrowserWindow,
    app: {
      isPackaged: false,
      getAppPath: () => process.cwd(),
      enableSandbox: vi.fn(),
      whenReady: () => new Promise<void>((resolve) => h.setReady(resolve)),
      on: vi.fn(),
      quit: vi.fn(),
    },
    ipcMain: {
      handle: (channel: string, f: Handler) => {
        if (h.handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
        h.handlers.set(channel, f);
      },
      removeHandler: (channel: string) => h.handlers.delete(channel),
    },
    Menu: { buildFromTemplate: (t: unknown) => t, setApplicationMenu: vi.fn() },
    dialog: { showOpenDialog: vi.fn(), showErrorBox: vi.fn() },
    session: { defaultSession: { webRequest: { onHeadersReceived: vi.fn() } } },
  };
});

vi.mock('../../src/backend/services/backend.ts', async () => {
  // Every contract method, whatever the contract lists today.
  const { CONTRACT_METHODS: methods } = await import('../../src/shared/contract.ts');
  return {
    createBackend: () => {
      const api: Record<string, unknown> = {};
      for (const m of methods) {
        api[m] = async (req: unknown) => {
          h.backendCalls.push([m, req]);
          if (m === 'loadSeg') throw Object.assign(new Error('/x_seg.npy: truncated'), { name: 'FormatError' });
          return { method: m };
        };
      }
      api.dispose = async () => undefined;
      api.subscribe = (event: string, l: (p: unknown) => void) => {
        const set = h.listeners.get(event) ?? new Set();
        h.listeners.set(event, set);
        set.add(l);
        return () => set.delete(l);
      };
      return api;
    },
  };
});

const ourUrl = pathToFileURL(path.resolve('src/renderer/index.html')).href;

function event(over: { id?: number; url?: string; parent?: unknown; noFrame?: boolean } = {}): unknown {
  return {
    sender: { id: over.id ?? 100 },
    senderFrame: over.noFrame ? null : { url: over.url ?? ourUrl, parent: over.parent ?? null },
  };
}

describe('Electron main process', () => {
  beforeAll(async () => {
    delete process.env.ELECTRON_RENDERER_URL;
    await import('../../src/main/index.ts');
    h.ready();
    await new Promise((r) => setTimeout(r, 10));
  });

  it('creates one window with contextIsolation and sandbox on, nodeIntegration off, and our page loaded', () => {
    expect(h.windows).toHaveLength(1);
    const prefs = h.windows[0].options.webPreferences as Record<string, unknown>;
    expect(prefs.contextIsolation).toBe(true);
    expect(prefs.sandbox).toBe(true);
    expect(prefs.nodeIntegration).toBe(false);
    expect(prefs.webSecurity).toBe(true);
    expect(prefs.webviewTag).toBe(false);
    expect(String(prefs.preload)).toMatch(/preload[\\/]index\.cjs$/);
    expect(h.windows[0].loaded).toEqual([ourUrl]);
  });

  it('blocks new windows and navigation away from our page', () => {
    const c = h.windows[0].contents;
    expect(c.openHandler?.()).toEqual({ action: 'deny' });
    let prevented = false;
    c.on.get('will-navigate')?.({ preventDefault: () => (prevented = true) }, 'https://evil.example/');
    expect(prevented).toBe(true);
    prevented = false;
    c.on.get('will-navigate')?.({ preventDefault: () => (prevented = true) }, ourUrl);
    expect(prevented).toBe(false);
  });

  it('registers exactly one handler per contract method, on cellpose:<method>', () => {
    expect([...h.handlers.keys()].sort()).toEqual(CONTRACT_METHODS.map((m) => channelOf(m)).sort());
  });

  it('routes every contract method to the backend with its request', async () => {
    for (const m of CONTRACT_METHODS as readonly MethodName[]) {
      h.backendCalls.length = 0;
      const reply = await h.handlers.get(channelOf(m))!(event(), { tag: m });
      if (m === 'loadSeg') {
        expect(reply).toEqual({ ok: false, error: { name: 'FormatError', message: '/x_seg.npy: truncated' } });
      } else {
        expect(reply).toEqual({ ok: true, result: { method: m } });
      }
      expect(h.backendCalls).toEqual([[m, { tag: m }]]);
    }
  });

  it('has no handler for unknown channels', () => {
    for (const c of ['cellpose:constructor', 'cellpose:__proto__', 'cellpose:readFile', 'openImage', 'cellpose:onProgress']) {
      expect(h.handlers.has(c)).toBe(false);
    }
  });

  it('refuses foreign senders without calling the backend', async () => {
    const foreign = [
      event({ id: 999 }), // another webContents
      event({ url: 'https://evil.example/index.html' }), // our window navigated away
      event({ url: pathToFileURL('/tmp/other.html').href }), // another local file
      event({ parent: {} }), // an iframe
      event({ noFrame: true }), // frame already gone
    ];
    for (const ev of foreign) {
      h.backendCalls.length = 0;
      const reply = (await h.handlers.get(channelOf('getSettings'))!(ev, {})) as { ok: boolean; error: { name: string } };
      expect(reply.ok).toBe(false);
      expect(reply.error.name).toBe('ForbiddenSenderError');
      expect(h.backendCalls).toEqual([]);
    }
  });

  it('forwards backend events to the window on cellpose:<event>', () => {
    const payload = { jobId: 'j', fraction: 0.5, stage: 'network', etaMs: null };
    h.listeners.get('onProgress')?.forEach((l) => l(payload));
    expect(h.windows[0].contents.sent).toContainEqual(['cellpose:onProgress', payload]);
  });

  it('has the Cellpose File menu shortcuts, and a menu pick reaches the renderer as onMenu with the path', async () => {
    const template = vi.mocked(Menu.setApplicationMenu).mock.calls[0][0] as unknown as Array<{ label?: string; submenu?: Array<{ label?: string; accelerator?: string; click?: () => void }> }>;
    const file = template.find((m) => m.label === 'File')!.submenu!;
    const byLabel = (l: string) => file.find((i) => i.label === l)!;
    expect(byLabel('Open image...').accelerator).toBe('CmdOrCtrl+L');
    expect(byLabel('Open _seg.npy...').accelerator).toBe('CmdOrCtrl+P');
    expect(byLabel('Load masks...').accelerator).toBe('CmdOrCtrl+M');
    expect(byLabel('Save').accelerator).toBe('CmdOrCtrl+S');
    expect(byLabel('Import model...')).toBeDefined();
    expect(byLabel('Quit')).toBeDefined();
    vi.mocked(dialog.showOpenDialog).mockResolvedValueOnce({ canceled: false, filePaths: ['/data/img.tif'] });
    byLabel('Open image...').click!();
    byLabel('Save').click!();
    await new Promise((r) => setTimeout(r, 10));
    const sent = h.windows[0].contents.sent;
    expect(sent).toContainEqual(['cellpose:onMenu', { action: 'openImage', path: '/data/img.tif' }]);
    expect(sent).toContainEqual(['cellpose:onMenu', { action: 'save', path: null }]);
  });
});
