// Flows of recent segmentations, kept so re-thresholding (recomputeMasks) needs no network pass,
// as the GUI keeps `flows` after a run. Bounded by total bytes; the oldest entries go first.
import { randomUUID } from 'node:crypto';

export interface CachedFlows {
  /** (ncomp, nZ, Y, X) float32. */
  dP: Float32Array;
  dPComponents: number;
  /** (nZ, Y, X) float32 logits. */
  cellprob: Float32Array;
  /** (nZ, Y, X, 3) flow picture, kept for saving a _seg.npy. */
  flowRgb: Uint8Array | null;
  /** Diameter and model of the run, for the _seg.npy (null when loaded from a file without them). */
  diameterPx: number | null;
  modelName: string | null;
  shape: [nZ: number, height: number, width: number];
  do3D: boolean;
  stitchThreshold: number;
  /** Euler steps the segmentation used (Cellpose's 200/rescale rule), reused when niter is 0. */
  niterUsed: number;
  imagePath: string;
}

export const DEFAULT_FLOWS_CACHE_BYTES = 2 * 1024 ** 3;

export class FlowsCache {
  private readonly entries = new Map<string, CachedFlows>();
  private bytes = 0;

  constructor(readonly maxBytes = DEFAULT_FLOWS_CACHE_BYTES) {}

  private static sizeOf(f: CachedFlows): number {
    return f.dP.byteLength + f.cellprob.byteLength + (f.flowRgb?.byteLength ?? 0);
  }

  put(flows: CachedFlows): string {
    const id = randomUUID();
    this.entries.set(id, flows);
    this.bytes += FlowsCache.sizeOf(flows);
    // Keep at least the newest entry, whatever its size.
    for (const [k, v] of this.entries) {
      if (this.bytes <= this.maxBytes || k === id) break;
      this.entries.delete(k);
      this.bytes -= FlowsCache.sizeOf(v);
    }
    return id;
  }

  get(id: string): CachedFlows | undefined {
    const f = this.entries.get(id);
    if (f) {
      // Most recently used goes to the back of the eviction order.
      this.entries.delete(id);
      this.entries.set(id, f);
    }
    return f;
  }

  get size(): number {
    return this.entries.size;
  }
}
