// createBackend(): the contract implemented under plain Node (never electron). Each transport
// (Electron IPC, WebSocket, tests) wraps the same object.
import type { Api, Backend, Settings } from '../../shared/contract.ts';
import type { InferenceServiceOptions } from '../inference/inference-service.ts';
import { ModelZoo, type ZooOptions } from '../models/index.ts';
import { SettingsStore, studioHome } from '../settings/settings-store.ts';
import { createEventHub, type EventHub } from './event-hub.ts';
import { createBrowseService } from './browse-service.ts';
import { createImageService } from './image-service.ts';
import { FlowsCache } from './flows-cache.ts';
import { createModelService } from './model-service.ts';
import { createSegService } from './seg-service.ts';
import { createSegmentService } from './segment-service.ts';
import { createJournalService } from './journal-service.ts';
import { BadRequestError } from './service-errors.ts';

export interface BackendOptions {
  /** Folder for settings.json; default $CELLPOSE_STUDIO_HOME or ~/.cellpose-studio. */
  homeDir?: string;
  /** Where the web file picker starts (and which it may not leave); default the user's home. */
  browseRoot?: string;
  /** Model locations (the Electron build points bundledFolder at its resources). */
  zoo?: ZooOptions;
  inference?: InferenceServiceOptions;
}

export interface BackendHandle extends Backend {
  /** Services report progress and log lines here. */
  readonly events: EventHub;
  readonly settings: SettingsStore;
  /** Stop the inference worker and cancel running jobs (app quit, tests). */
  dispose(): Promise<void>;
}

export function createBackend(opts: BackendOptions = {}): BackendHandle {
  const events = createEventHub();
  const settings = new SettingsStore(opts.homeDir ?? studioHome());
  const images = createImageService(settings);
  const files = createBrowseService(settings, opts.browseRoot);
  const zoo = new ModelZoo(opts.zoo);
  const models = createModelService(zoo);
  const flows = new FlowsCache();
  const seg = createSegmentService({ flows, events, settings, zoo, inference: opts.inference, droppedImage: images.droppedImage });
  const segFiles = createSegService(flows);
  const journals = createJournalService();

  const api: Api = {
    openImage: images.openImage,
    openImageBytes: images.openImageBytes,
    browse: files.browse,
    neighbourImage: files.neighbourImage,
    segment: seg.segment,
    cancel: seg.cancel,
    recomputeMasks: seg.recomputeMasks,
    calibrate: seg.calibrate,
    gpuStatus: seg.gpuStatus,
    saveSeg: segFiles.saveSeg,
    loadSeg: segFiles.loadSeg,
    loadMasks: segFiles.loadMasks,
    exportResults: segFiles.exportResults,
    listModels: models.listModels,
    importModel: models.importModel,
    getSettings: async () => settings.load(),
    setSettings: async (req: Settings) => {
      if (req === null || typeof req !== 'object' || Array.isArray(req)) throw new BadRequestError('setSettings', 'settings must be an object');
      return settings.update(req);
    },
    journalOpen: journals.journalOpen,
    journalAppend: journals.journalAppend,
    journalSaved: journals.journalSaved,
    journalDiscard: journals.journalDiscard,
  };
  const dispose = async (): Promise<void> => {
    await journals.dispose();
    await seg.dispose();
  };
  return { ...api, subscribe: events.subscribe, events, settings, dispose };
}
