// The model zoo of the backend: registry (list / resolve / import / default) and downloads.
export { BUNDLED_MODEL_NAME, ModelZoo, UnknownModelError, defaultModel, defaultZoo, importModel, listModels, resolveModel } from './model-registry.ts';
export type { ModelInfo, ResolveOptions, ResolvedModel, ZooOptions } from './model-registry.ts';
export { ModelDownloadError, downloadFile } from './download-file.ts';
export type { DownloadFailure, DownloadOptions, DownloadProgress } from './download-file.ts';
export { downloadShared, downloadsInFlight } from './shared-download.ts';
export { readModelMetadata } from './model-metadata.ts';
export type { ModelFileMetadata } from './model-metadata.ts';
export { DEFAULT_MODEL_BASE_URL, ZOO_MODELS, isZooName, zooBasename, zooDiamMeanPx, zooSizeModelBasename, zooUrl } from './zoo-catalogue.ts';
export { GUI_MODELS_FILE, defaultModelsFolder, readGuiModels } from './models-folder.ts';
