// createBackend(): the contract implemented under plain Node (never electron). Each transport
// (Electron IPC, WebSocket, tests) wraps the same object.
import type { Api, Backend, Settings } from '../../shared/contract.ts';
import { SettingsStore, studioHome } from '../settings/settings-store.ts';
import { createEventHub, type EventHub } from './event-hub.ts';
import { createBrowseService } from './browse-service.ts';
import { createImageService } from './image-service.ts';
import { BadRequestError, NotAvailableError } from './service-errors.ts';

export interface BackendOptions {
  /** Folder for settings.json; default $CELLPOSE_STUDIO_HOME or ~/.cellpose-studio. */
  homeDir?: string;
  /** Where the web file picker starts (and which it may not leave); default the user's home. */
  browseRoot?: string;
}

export interface BackendHandle extends Backend {
  /** Services report progress and log lines here. */
  readonly events: EventHub;
  readonly settings: SettingsStore;
}

function notAvailable(method: keyof Api): () => Promise<never> {
  return async () => {
    throw new NotAvailableError(method);
  };
}

export function createBackend(opts: BackendOptions = {}): BackendHandle {
  const events = createEventHub();
  const settings = new SettingsStore(opts.homeDir ?? studioHome());
  const images = createImageService(settings);
  const files = createBrowseService(settings, opts.browseRoot);

  const api: Api = {
    openImage: images.openImage,
    openImageBytes: images.openImageBytes,
    browse: files.browse,
    neighbourImage: files.neighbourImage,
    segment: notAvailable('segment'),
    cancel: notAvailable('cancel'),
    recomputeMasks: notAvailable('recomputeMasks'),
    calibrate: notAvailable('calibrate'),
    saveSeg: notAvailable('saveSeg'),
    loadSeg: notAvailable('loadSeg'),
    loadMasks: notAvailable('loadMasks'),
    exportResults: notAvailable('exportResults'),
    listModels: notAvailable('listModels'),
    importModel: notAvailable('importModel'),
    getSettings: async () => settings.load(),
    setSettings: async (req: Settings) => {
      if (req === null || typeof req !== 'object' || Array.isArray(req)) throw new BadRequestError('setSettings', 'settings must be an object');
      return settings.update(req);
    },
  };
  return { ...api, subscribe: events.subscribe, events, settings };
}
