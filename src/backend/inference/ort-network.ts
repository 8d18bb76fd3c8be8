// An onnxruntime-node session behind core's NetworkRunner interface. Execution providers: 'cpu'
// by default; 'webgpu', 'cuda', 'dml', 'coreml' when requested and listed by
// ort.listSupportedBackends(); if the session cannot be created with the provider we fall back to
// the CPU and report a warning instead of failing.
import os from 'node:os';
import * as ort from 'onnxruntime-node';
import { CPNET_INPUT, CPNET_OUTPUT_FLOWS, CPNET_OUTPUT_STYLE } from '../../core/model/build-cpnet-onnx.ts';
import type { NetworkOutput, NetworkRunner } from '../../core/pipeline/network-runner.ts';

export type ExecutionProvider = 'cpu' | 'webgpu' | 'cuda' | 'dml' | 'coreml';

export interface SessionOptions {
  provider?: ExecutionProvider;
  /** Threads for one operator; default = CPU cores. */
  intraOpThreads?: number;
}

export function availableProviders(): string[] {
  return ort.listSupportedBackends().map((b) => b.name);
}

export class OrtNetwork implements NetworkRunner {
  private constructor(
    private readonly session: ort.InferenceSession,
    readonly nchan: number,
    readonly nout: number,
    readonly styleDim: number,
    readonly providerUsed: ExecutionProvider,
    readonly warnings: string[],
  ) {}

  static async create(onnxBytes: Uint8Array, dims: { nchan: number; nout: number; styleDim: number }, opts: SessionOptions = {}): Promise<OrtNetwork> {
    const threads = opts.intraOpThreads ?? Math.max(1, os.availableParallelism?.() ?? os.cpus().length);
    const base: ort.InferenceSession.SessionOptions = {
      graphOptimizationLevel: 'all',
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
    };
    const warnings: string[] = [];
    const wanted = opts.provider ?? 'cpu';
    if (wanted !== 'cpu') {
      const names = availableProviders();
      if (!names.includes(wanted)) {
        warnings.push(`execution provider '${wanted}' is not available here (have: ${names.join(', ')}); using the CPU`);
      } else {
        try {
          const s = await ort.InferenceSession.create(onnxBytes, { ...base, executionProviders: [wanted, 'cpu'] });
          return new OrtNetwork(s, dims.nchan, dims.nout, dims.styleDim, wanted, warnings);
        } catch (e) {
          warnings.push(`could not start '${wanted}' (${e instanceof Error ? e.message : String(e)}); using the CPU`);
        }
      }
    }
    const s = await ort.InferenceSession.create(onnxBytes, { ...base, executionProviders: ['cpu'] });
    return new OrtNetwork(s, dims.nchan, dims.nout, dims.styleDim, 'cpu', warnings);
  }

  async run(batch: Float32Array, shape: [number, number, number, number]): Promise<NetworkOutput> {
    const r = await this.session.run({ [CPNET_INPUT]: new ort.Tensor('float32', batch, shape) });
    const flows = r[CPNET_OUTPUT_FLOWS].data;
    const style = r[CPNET_OUTPUT_STYLE].data;
    if (!(flows instanceof Float32Array) || !(style instanceof Float32Array)) throw new Error('network returned non-float32 outputs');
    return { flows, style };
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
