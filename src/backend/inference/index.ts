// The Cellpose engine's backend API (see inference-service.ts for usage).
export { createInferenceService } from './inference-service.ts';
export type { InferenceService, InferenceServiceOptions, ModelSummary, SegmentInput } from './inference-service.ts';
export { availableProviders, OrtNetwork, type ExecutionProvider } from './ort-network.ts';
export { loadCellposeModel, type LoadedModel, type LoadModelOptions } from './load-model.ts';
export type { SegmentOptions } from '../../core/pipeline/segment-options.ts';
export { DEFAULT_SEGMENT_OPTIONS } from '../../core/pipeline/segment-options.ts';
export type { SegmentProgress, SegmentResult } from '../../core/pipeline/segment.ts';
