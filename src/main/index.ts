// Electron main process: the shell only. One locked-down window, the File menu with its dialogs,
// and the IPC transport to the backend (which does all the work, under plain Node APIs).
import { BrowserWindow, Menu, app, dialog, ipcMain, session } from 'electron';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createBackend } from '../backend/services/backend.ts';
import { channelOf, type MenuAction, type MenuEvent } from '../shared/contract.ts';
import { electronCsp } from './csp.ts';
import { registerIpc } from './ipc.ts';
import { DIALOG_FILTERS, buildMenuTemplate } from './menu.ts';
import { isTrustedSender, type RendererLocation } from './sender-check.ts';
import { createMainWindow } from './window.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const devServerUrl = process.env.ELECTRON_RENDERER_URL;
const dev = !app.isPackaged && devServerUrl !== undefined;
const renderer: RendererLocation = {
  url: dev && devServerUrl ? devServerUrl : pathToFileURL(path.join(here, '..', 'renderer', 'index.html')).href,
};
// electron-vite emits the sandboxed preload as CommonJS (electron.vite.config.ts).
const preloadPath = path.join(here, '..', 'preload', 'index.cjs');

let mainWindow: BrowserWindow | null = null;
const ownContents = new Set<number>();

function sendToWindow(channel: string, payload: unknown): void {
  if (mainWindow && !mainWindow.isDestroyed()) mainWindow.webContents.send(channel, payload);
}

async function runMenu(action: MenuAction): Promise<void> {
  if (!mainWindow) return;
  let file: string | null = null;
  if (action !== 'save') {
    const picked = await dialog.showOpenDialog(mainWindow, {
      properties: ['openFile'],
      filters: DIALOG_FILTERS[action],
    });
    if (picked.canceled || picked.filePaths.length === 0) return;
    file = picked.filePaths[0];
  }
  const event: MenuEvent = { action, path: file };
  sendToWindow(channelOf('onMenu'), event);
}

function openWindow(): void {
  mainWindow = createMainWindow(BrowserWindow, { preloadPath, renderer, dev });
  const id = mainWindow.webContents.id;
  ownContents.add(id);
  // The renderer's beforeunload refuses to close with unsaved hand edits and autosave off; in
  // Electron that refusal is silent, so ask here. Closing anyway loses nothing: the edits are in
  // the journal and are offered back when the image is opened again.
  mainWindow.webContents.on('will-prevent-unload', (event) => {
    if (!mainWindow) return;
    const choice = dialog.showMessageBoxSync(mainWindow, {
      type: 'question',
      buttons: ['Close anyway', 'Stay'],
      defaultId: 1,
      cancelId: 1,
      message: 'Some mask edits are not saved (autosave is off).',
      detail: 'They are kept in the edit journal and offered back the next time you open the image.',
    });
    if (choice === 0) event.preventDefault(); // here preventDefault means: ignore the refusal and close
  });
  mainWindow.on('closed', () => {
    ownContents.delete(id);
    mainWindow = null;
  });
}

app.enableSandbox();

app.whenReady().then(() => {
  const csp = electronCsp(dev && devServerUrl ? { devServerOrigin: new URL(devServerUrl).origin } : null);
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [csp] } });
  });

  // The bundled model sits in <app>/resources/models; the registry's own default is relative to
  // its source file, which a bundled out/main/index.js no longer is.
  const backend = createBackend({ zoo: { bundledFolder: path.join(app.getAppPath(), 'resources', 'models') } });
  app.on('will-quit', () => {
    void backend.dispose();
  });
  registerIpc({
    ipcMain,
    backend,
    isTrusted: (event) => isTrustedSender(event, ownContents, renderer),
    send: sendToWindow,
  });

  Menu.setApplicationMenu(
    Menu.buildFromTemplate(
      buildMenuTemplate(
        {
          run: (action) => {
            runMenu(action).catch((e: unknown) => dialog.showErrorBox('Cellpose Studio', e instanceof Error ? e.message : String(e)));
          },
          quit: () => app.quit(),
          toggleDevTools: dev ? () => mainWindow?.webContents.toggleDevTools() : undefined,
        },
        process.platform === 'darwin',
      ),
    ),
  );

  openWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) openWindow();
  });
});

// No other window may ever be created, whatever the page tries (defence in depth next to
// setWindowOpenHandler in window.ts).
app.on('web-contents-created', (_event, contents) => {
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
});

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});
