// The File menu of the Cellpose GUI (GUI_AND_FORMATS A.18 shortcuts: Ctrl+L load image, Ctrl+P
// load _seg.npy, Ctrl+M load masks, Ctrl+S save), plus Import model and Quit. Built as a plain
// template so it can be tested without Electron.
import type { MenuItemConstructorOptions } from 'electron';
import type { MenuAction } from '../shared/contract.ts';

export interface MenuHandlers {
  run(action: MenuAction): void;
  quit(): void;
  toggleDevTools?: () => void;
}

export const MENU_ACCELERATORS: Record<MenuAction, string | undefined> = {
  openImage: 'CmdOrCtrl+L',
  openSeg: 'CmdOrCtrl+P',
  loadMasks: 'CmdOrCtrl+M',
  save: 'CmdOrCtrl+S',
  importModel: undefined,
};

export function buildMenuTemplate(h: MenuHandlers, isMac: boolean): MenuItemConstructorOptions[] {
  const item = (label: string, action: MenuAction): MenuItemConstructorOptions => ({
    label,
    accelerator: MENU_ACCELERATORS[action],
    click: () => h.run(action),
  });
  const file: MenuItemConstructorOptions = {
    label: 'File',
    submenu: [
      item('Open image...', 'openImage'),
      item('Open _seg.npy...', 'openSeg'),
      item('Load masks...', 'loadMasks'),
      { type: 'separator' },
      item('Save', 'save'),
      { type: 'separator' },
      item('Import model...', 'importModel'),
      { type: 'separator' },
      { label: 'Quit', accelerator: 'CmdOrCtrl+Q', click: () => h.quit() },
    ],
  };
  const template: MenuItemConstructorOptions[] = [file, { role: 'editMenu' }];
  const view: MenuItemConstructorOptions[] = [{ role: 'resetZoom' }, { role: 'zoomIn' }, { role: 'zoomOut' }, { role: 'togglefullscreen' }];
  if (h.toggleDevTools) view.push({ type: 'separator' }, { label: 'Toggle developer tools', accelerator: 'F12', click: h.toggleDevTools });
  template.push({ label: 'View', submenu: view });
  if (isMac) template.unshift({ role: 'appMenu' });
  return template;
}

/** Which files each dialog offers (Cellpose's image extensions, B.11). */
export const DIALOG_FILTERS: Record<Exclude<MenuAction, 'save'>, Array<{ name: string; extensions: string[] }>> = {
  openImage: [{ name: 'Images', extensions: ['tif', 'tiff', 'png', 'jpg', 'jpeg', 'flex'] }],
  openSeg: [{ name: 'Cellpose segmentation', extensions: ['npy'] }],
  loadMasks: [{ name: 'Mask images', extensions: ['tif', 'tiff', 'png'] }],
  importModel: [{ name: 'Cellpose model', extensions: ['*'] }],
};
