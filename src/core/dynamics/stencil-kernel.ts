// The diffusion's 3x3 mean as WebAssembly SIMD (stencil.wat): two pixels per f64x2 vector with the
// same term order as the TypeScript kernel, so the heat fields and flow errors keep their bits and
// the flow QC runs about twice as fast. Hosts without WebAssembly SIMD get null and the caller
// keeps the TypeScript kernel. The engine has no DOM or Node types, so the few WebAssembly members
// used are typed here.
import { STENCIL_WASM } from './stencil-wasm-bytes.ts';

interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

interface StencilExports {
  memory: WasmMemory;
  stencil(src: number, dst: number, runs: number, nr: number, cols: number, divide: number): void;
}

interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
}

const PAGE_BYTES = 65536;

let compiled: object | null | undefined;
let enabled = true;
let instance: StencilWasm | null = null;

function stencilModule(): object | null {
  if (compiled !== undefined) return compiled;
  const api = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  try {
    // a host without SIMD rejects the module at compile time
    compiled = api ? new api.Module(STENCIL_WASM) : null;
  } catch {
    compiled = null;
  }
  return compiled;
}

/** Turns the wasm kernel off (or on again) for scratch created afterwards; tests compare both. */
export function setStencilWasmEnabled(on: boolean): void {
  enabled = on;
}

/**
 * The thread's wasm instance, whose memory the callers place grids and run arrays in. One per
 * thread: every instance reserves gigabytes of address space, and creating one per mask batch made
 * V8 collect garbage often enough to halve the speed. Callers use the memory only within a
 * synchronous call and re-take their views after a growth (see DiffusionScratch.ensure).
 */
export class StencilWasm {
  private constructor(private readonly ex: StencilExports) {}

  /** This thread's instance, or null when the host has no WebAssembly SIMD or the kernel is off. */
  static forThisThread(): StencilWasm | null {
    if (!enabled) return null;
    if (instance) return instance;
    const mod = stencilModule();
    const api = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
    if (!mod || !api) return null;
    instance = new StencilWasm(new api.Instance(mod, {}).exports as StencilExports);
    return instance;
  }

  get buffer(): ArrayBuffer {
    return this.ex.memory.buffer;
  }

  /** Grows the memory to at least `bytes` (views of the old buffer are detached by a growth). */
  reserve(bytes: number): void {
    const have = this.ex.memory.buffer.byteLength;
    if (bytes > have) this.ex.memory.grow(Math.ceil((bytes - have) / PAGE_BYTES));
  }

  /**
   * dst[i] = 3x3 mean of src around i for i in the runs [runs[2r], runs[2r+1]), r < nr / 2. All
   * three arrays must be views of this instance's memory; `divide`: sum / 9, else (1/9) * sum.
   */
  stencil(src: Float64Array, dst: Float64Array, runs: Int32Array, nr: number, cols: number, divide: boolean): void {
    this.ex.stencil(src.byteOffset, dst.byteOffset, runs.byteOffset, nr, cols, divide ? 1 : 0);
  }
}
