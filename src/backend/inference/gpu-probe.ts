// Does a GPU execution provider start and run here? Cellpose's GUI asks torch the same before it
// enables its "use GPU" checkbox (GUI_AND_FORMATS A.12). The probe takes the same 'gpu' choice as
// use_gpu (ort-network's GPU_PREFERENCE) with a one-convolution graph in CPnet's input and output
// names, and runs it once: a provider can start and still fail on its first run. The backend runs
// it in a worker of its own, with a time limit, so a GPU driver that hangs holds up neither the
// backend nor the inference worker.
import { CPNET_INPUT, CPNET_OPSET, CPNET_OUTPUT_FLOWS, CPNET_OUTPUT_STYLE } from '../../core/model/build-cpnet-onnx.ts';
import { OnnxGraphWriter } from '../../core/model/onnx-graph-writer.ts';
import { spawnWorker } from '../workers/spawn.ts';
import { OrtNetwork, type ExecutionProvider, type SessionOptions } from './ort-network.ts';

export interface GpuStatus {
  /** The GPU provider that started and ran, or null. */
  provider: ExecutionProvider | null;
  /** Why none did (the fallback warnings), or null. */
  reason: string | null;
}

const PROBE_DIMS = { nchan: 2, nout: 3, styleDim: 3 };

/** (N, 2, H, W) -> 3x3 convolution to 3 channels (the "flows") and their per-channel mean (the
 *  "style"): the operators CPnet is made of, no weights to load. */
export function probeGraph(): Uint8Array {
  const g = new OnnxGraphWriter();
  const weight = g.initializerF32('probe.weight', [3, 2, 3, 3], Float32Array.from({ length: 54 }, (_, i) => ((i % 7) - 3) / 10));
  const bias = g.initializerF32('probe.bias', [3], new Float32Array([0.1, -0.2, 0.3]));
  const flows = g.node('Conv', [CPNET_INPUT, weight, bias], 1, { kernel_shape: [3, 3], pads: [1, 1, 1, 1] }, [CPNET_OUTPUT_FLOWS])[0];
  const pooled = g.node('GlobalAveragePool', [flows], 1)[0];
  g.node('Flatten', [pooled], 1, { axis: 1 }, [CPNET_OUTPUT_STYLE]);
  return g.encode({
    graphName: 'gpu_probe',
    opset: CPNET_OPSET,
    inputs: [{ name: CPNET_INPUT, dims: ['batch', 2, 'height', 'width'] }],
    outputs: [
      { name: CPNET_OUTPUT_FLOWS, dims: ['batch', 3, 'height', 'width'] },
      { name: CPNET_OUTPUT_STYLE, dims: ['batch', 3] },
    ],
    docString: 'Cellpose Studio GPU probe',
  });
}

/** Start the probe graph with the 'gpu' choice and run one 32x32 input on it. */
export async function probeGpu(opts: Pick<SessionOptions, 'createSession'> = {}): Promise<GpuStatus> {
  const net = await OrtNetwork.create(probeGraph(), PROBE_DIMS, { ...opts, provider: 'gpu', intraOpThreads: 1 });
  try {
    if (net.providerUsed === 'cpu') return { provider: null, reason: net.warnings.join('; ') || 'no GPU execution provider started' };
    const provider = net.providerUsed;
    const x = Float32Array.from({ length: 2 * 32 * 32 }, (_, i) => (i % 13) / 13);
    await net.run(x, [1, 2, 32, 32]);
    // a provider that failed on the run has handed it to the CPU and said so
    const failed = net.takeRunWarnings();
    return failed.length > 0 ? { provider: null, reason: failed.join('; ') } : { provider, reason: null };
  } finally {
    await net.release();
  }
}

/** The probe's answer when it threw instead of answering. */
export function probeFailure(e: unknown): GpuStatus {
  return { provider: null, reason: `the GPU probe failed: ${e instanceof Error ? e.message : String(e)}` };
}

/** How long the probe worker may take: a first Vulkan/D3D12/Metal start can take seconds. */
export const GPU_PROBE_TIMEOUT_MS = 30_000;

/** probeGpu in a worker thread of its own, ended when it answers or after timeoutMs. */
export function probeGpuInWorker(timeoutMs = GPU_PROBE_TIMEOUT_MS): Promise<GpuStatus> {
  return new Promise((resolve) => {
    const w = spawnWorker(new URL('./gpu-probe-worker.ts', import.meta.url));
    let done = false;
    const finish = (s: GpuStatus): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(s);
      void w.terminate();
    };
    const timer = setTimeout(() => finish({ provider: null, reason: `the GPU probe did not answer within ${timeoutMs / 1000} s` }), timeoutMs);
    // neither keeps a closing app alive
    timer.unref();
    w.unref();
    w.on('message', (s: GpuStatus) => finish(s));
    w.on('error', (e) => finish(probeFailure(e)));
    w.on('exit', (code) => finish({ provider: null, reason: `the GPU probe ended without an answer (exit code ${code})` }));
  });
}
