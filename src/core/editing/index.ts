// The mask editor's public surface, for the renderer's labels store and the backend journal.
export { LabelDocument, UINT16_ID_LIMIT, brushFootprint } from './label-document.ts';
export type { BrushOptions, ChangeEvent, ChangeListener, EditOutcome, LabelDocumentInit, MaskInfo, StepListener } from './label-document.ts';
export type { Box } from './box.ts';
export { unionOfBoxes } from './box.ts';
export type { EditStep, IdRemap, MaskMeta, MetaSplice, PixelAtom } from './edit-step.ts';
export { invertStep, stepByteSize } from './edit-step.ts';
export { UndoStack, type UndoLimits } from './undo.ts';
export { decodeStep, encodeStep } from './step-codec.ts';
export type { TraceStroke } from './trace-mask.ts';
export type { ReplaceOptions } from './replace-from-model.ts';
export { trackManualChanges, cellposeTimestamp, type ManualChange } from './manual-changes.ts';
