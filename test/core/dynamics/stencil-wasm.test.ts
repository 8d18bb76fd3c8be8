// The WebAssembly SIMD stencil (stencil.wat) must give the same bits as the TypeScript kernel: the
// heat flows of both Cellpose variants (1/9 * sum on CPU, sum / 9 on GPU) are compared whole, on a
// real DSB label image with 27 nuclei, and the committed bytes must be a fresh compile of the source.
import { afterEach, describe, expect, it } from 'vitest';
import { flowErrors } from '../../../src/core/dynamics/flow-errors.ts';
import { DiffusionScratch, masksToFlows2D } from '../../../src/core/dynamics/masks-to-flows.ts';
import { setStencilWasmEnabled, StencilWasm } from '../../../src/core/dynamics/stencil-kernel.ts';
import { STENCIL_WASM } from '../../../src/core/dynamics/stencil-wasm-bytes.ts';
import { compileStencil } from '../../../tools/wasm/build-wasm.ts';
import { DSB_27, loadDsbMask } from '../editing/helpers.ts';
import { rng } from '../../helpers/seeded-random.ts';

function flowsWith(wasm: boolean, labels: Uint16Array, [ly, lx]: [number, number], variant: 'cpu' | 'gpu'): Float64Array {
  setStencilWasmEnabled(wasm);
  const scratch = new DiffusionScratch();
  expect(scratch.wasm !== null).toBe(wasm);
  return masksToFlows2D(labels, ly, lx, { variant }, undefined, scratch);
}

describe('wasm stencil', () => {
  afterEach(() => setStencilWasmEnabled(true));

  it('is the compiled stencil.wat', async () => {
    expect(Array.from(await compileStencil())).toEqual(Array.from(STENCIL_WASM));
  });

  it('runs on Node (WebAssembly SIMD), so the comparisons below test it', () => {
    expect(StencilWasm.forThisThread()).not.toBeNull();
  });

  for (const variant of ['cpu', 'gpu'] as const) {
    it(`gives the TypeScript kernel's flows bit for bit (${variant} variant, real masks)`, () => {
      const { labels, shape } = loadDsbMask(DSB_27);
      const a = flowsWith(true, labels, shape, variant);
      const b = flowsWith(false, labels, shape, variant);
      let nonZero = 0;
      for (let i = 0; i < a.length; i++) if (a[i] !== 0) nonZero++;
      expect(nonZero).toBeGreaterThan(1000);
      expect(Buffer.from(a.buffer).equals(Buffer.from(b.buffer))).toBe(true);
    });
  }

  it('gives the same flow errors when the kernel memory grows between masks', () => {
    const { labels, shape } = loadDsbMask(DSB_27);
    const r = rng(7);
    const dP = Float32Array.from({ length: 2 * labels.length }, () => 10 * (r() - 0.5));
    // one big mask after small ones forces a memory growth (new views) inside one call
    const big = labels.slice();
    for (let y = 150; y < 250; y++) for (let x = 0; x < 256; x++) big[y * 256 + x] = 999;
    setStencilWasmEnabled(true);
    const a = flowErrors(big, dP, shape);
    setStencilWasmEnabled(false);
    const b = flowErrors(big, dP, shape);
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(a[998]).toBeGreaterThan(0);
  });
});
