// Execution-provider selection: an unavailable or failing provider falls back to the CPU with a
// warning instead of an error, and the CPU session computes the same outputs.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { OrtNetwork, availableProviders } from '../../../src/backend/inference/ort-network.ts';
import { readTorchStateDict } from '../../../src/core/io/torch-checkpoint.ts';
import { buildCpnetOnnx } from '../../../src/core/model/build-cpnet-onnx.ts';
import { describeCpnet } from '../../../src/core/model/cpnet-spec.ts';

const TINY1 = new URL('../../fixtures/model/tiny_nchan1', import.meta.url).pathname;

describe('OrtNetwork providers', () => {
  it('falls back to the CPU with a warning when CUDA is requested but not usable, same numbers', async () => {
    const w = readTorchStateDict(new Uint8Array(readFileSync(TINY1))).tensors;
    const spec = describeCpnet(w);
    const bytes = buildCpnetOnnx(w);
    const cpu = await OrtNetwork.create(bytes, spec, { provider: 'cpu', intraOpThreads: 1 });
    expect(cpu.warnings).toEqual([]);
    const wanted = availableProviders().includes('cuda') ? 'coreml' : 'cuda';
    const fb = await OrtNetwork.create(bytes, spec, { provider: wanted, intraOpThreads: 1 });
    expect(fb.providerUsed).toBe('cpu');
    expect(fb.warnings.join(' ')).toMatch(new RegExp(`'${wanted}'.*using the CPU`));
    const x = Float32Array.from({ length: 2 * 1 * 32 * 48 }, (_, i) => Math.sin(i * 0.1));
    const a = await cpu.run(x, [2, 1, 32, 48]);
    const b = await fb.run(x, [2, 1, 32, 48]);
    expect(Array.from(b.flows)).toEqual(Array.from(a.flows));
    expect(a.style.length).toBe(2 * spec.styleDim);
    await cpu.release();
    await fb.release();
  });
});
