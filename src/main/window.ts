// The one BrowserWindow, locked down per the Electron security checklist (DESIGN.md): isolated,
// sandboxed renderer without Node, web security on, no navigation away, no new windows.
import type { BrowserWindow, BrowserWindowConstructorOptions, WebContents } from 'electron';
import { isOurRendererUrl, type RendererLocation } from './sender-check.ts';

export function windowOptions(preloadPath: string, dev: boolean): BrowserWindowConstructorOptions {
  return {
    width: 1400,
    height: 900,
    minWidth: 800,
    minHeight: 600,
    show: false,
    title: 'Cellpose Studio',
    backgroundColor: '#1e1e1e',
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      spellcheck: false,
      devTools: dev,
    },
  };
}

/** Refuse navigation to anything but our page, every new window, webviews and permission prompts. */
export function lockDownWebContents(contents: WebContents, renderer: RendererLocation): void {
  contents.on('will-navigate', (event, url) => {
    if (!isOurRendererUrl(url, renderer)) event.preventDefault();
  });
  contents.on('will-redirect', (event, url) => {
    if (!isOurRendererUrl(url, renderer)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  contents.session.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
}

/** Create the window and load our page (the dev server in `electron-vite dev`, else the built file). */
export function createMainWindow(
  Ctor: new (opts: BrowserWindowConstructorOptions) => BrowserWindow,
  opts: { preloadPath: string; renderer: RendererLocation; dev: boolean },
): BrowserWindow {
  const win = new Ctor(windowOptions(opts.preloadPath, opts.dev));
  lockDownWebContents(win.webContents, opts.renderer);
  win.once('ready-to-show', () => win.show());
  void win.loadURL(opts.renderer.url);
  return win;
}
