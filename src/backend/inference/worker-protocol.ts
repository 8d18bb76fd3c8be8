// Messages between the inference service (main thread) and its worker. Big arrays travel as
// transferable buffers inside these objects, never as JSON lists.
import type { ImageStack, AxisOverride } from '../../core/io/image-types.ts';
import type { SegmentOptions, } from '../../core/pipeline/segment-options.ts';
import type { SegmentResult } from '../../core/pipeline/segment.ts';
import type { ExecutionProvider, ProviderChoice } from './ort-network.ts';
import type { AllChannelsModel } from './all-channels.ts';

export interface ModelSummary {
  path: string;
  name: string;
  nchan: number;
  nout: number;
  nbase: number[];
  diamMeanPx: number;
  diamLabelsPx: number;
  hasSizeModel: boolean;
  providerUsed: ExecutionProvider;
  onnxCachePath?: string;
  /** The ortho model's name when one was loaded (orthoPath). */
  orthoName?: string;
  warnings: string[];
}

/** A file the worker decodes and segments (the CLI's and the GUI's input by path). */
export interface SegmentInput {
  path: string;
  axes?: AxisOverride;
  /** --all_channels with a custom model: the worker checks, right after it decodes the file, that the
   *  image's channel count (as Cellpose 3.1 counts it) is the model's, else fails with an
   *  AllChannelsMismatch error (all-channels.ts). */
  allChannelsOf?: AllChannelsModel;
}

export type WorkerRequest =
  | {
      type: 'load';
      id: number;
      path: string;
      builtinName?: string;
      sizeModelPath?: string;
      /** Cellpose 3.1's --pretrained_model_ortho: a second checkpoint for the ZY and ZX views of do_3D. */
      orthoPath?: string;
      provider: ProviderChoice;
      intraOpThreads?: number;
      cacheDir?: string | null;
      /** false: the dynamics pool starts only where it pays (pool-masks.ts), not at load. */
      prestartPool?: boolean;
    }
  | {
      type: 'segment';
      id: number;
      image: ImageStack | SegmentInput;
      options: Partial<SegmentOptions>;
      /** Int32Array(1) on a SharedArrayBuffer: 1 = cancelled (read even while the worker computes). */
      cancelFlag: SharedArrayBuffer;
    }
  | { type: 'dispose'; id: number };

export type WorkerReply =
  | { type: 'loaded'; id: number; model: ModelSummary }
  | { type: 'progress'; id: number; fraction: number; stage: string }
  | { type: 'segmented'; id: number; result: SegmentResult; image?: ImageStack; providerUsed: ExecutionProvider; int8Network: boolean }
  | { type: 'error'; id: number; error: { name: string; message: string } }
  | { type: 'disposed'; id: number };
