// --all_channels (Cellpose's channels=None) with a custom model: Cellpose 3.1's __main__.py takes
// nchan from the first image as io.imread reads it (1 for a 2-D array, the smallest axis of a 3-D
// one) and builds the network for that many input channels, so a checkpoint with another count
// fails to load (a size mismatch in load_state_dict). Ours checks the same count in the inference
// worker, on the image it has just decoded for the run (so the file is read once), and stops the
// whole run with this error, as Cellpose stops before its first image.

export const ALL_CHANNELS_MISMATCH = 'AllChannelsMismatch';

/** The model a run's --all_channels is checked against. */
export interface AllChannelsModel {
  modelName: string;
  modelChannels: number;
}

/** The channel count Cellpose 3.1 gives an image under --all_channels; null for 4 or more
 *  dimensions, where Cellpose 3.1 never sets it (an UnboundLocalError) and ours runs the model's
 *  first nchan channels, which is what channels=None means everywhere else. */
export function allChannelsCount(rawShape: readonly number[]): number | null {
  if (rawShape.length === 2) return 1;
  return rawShape.length === 3 ? Math.min(...rawShape) : null;
}

/** Throws an AllChannelsMismatch error that names the file, its shape and the model. */
export function checkAllChannels(file: string, rawShape: readonly number[], model: AllChannelsModel): void {
  const n = allChannelsCount(rawShape);
  if (n === null || n === model.modelChannels) return;
  const e = new Error(
    `--all_channels: ${file} (shape ${rawShape.join('x')}) counts as ${n} channel${n === 1 ? '' : 's'} (Cellpose 3.1 takes 1 for a 2-D image, ` +
      `else the smallest axis), but model ${model.modelName} takes ${model.modelChannels}; Cellpose 3.1 cannot load the model for that either. Use --chan/--chan2 instead`,
  );
  e.name = ALL_CHANNELS_MISMATCH;
  throw e;
}
