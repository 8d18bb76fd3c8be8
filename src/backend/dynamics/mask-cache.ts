// Keeps the network outputs of recent segmentations so that a new flow_threshold or
// cellprob_threshold recomputes masks without running the network again (the GUI's sliders).
// Besides dP/cellprob it remembers the last end positions (valid while cellprob_threshold, niter
// and the dynamics method are unchanged) and the last clustered labels (valid while also the flow
// threshold, profile and max size are unchanged): moving only the flow_threshold slider then
// re-runs only the QC, and moving min_size only the fill step.
import type { FollowInput } from '../../core/dynamics/follow-flows.ts';

export interface CachedFlows {
  dP: Float32Array;
  cellprob: Float32Array;
  shape: number[];
  /** Key of the dynamics inputs (cellprob threshold, niter, method) -> positions. */
  follow?: { key: string; input: FollowInput; p: Float32Array };
  /** Key of everything up to QC -> labels before fill. */
  cluster?: { key: string; labels: Uint16Array | Uint32Array };
}

/** LRU by bytes held. */
export class MaskCache {
  private readonly entries = new Map<string, CachedFlows>();

  constructor(private readonly maxBytes = 2 * 1024 ** 3) {}

  put(flowsId: string, dP: Float32Array, cellprob: Float32Array, shape: readonly number[]): void {
    this.entries.delete(flowsId);
    this.entries.set(flowsId, { dP, cellprob, shape: [...shape] });
    this.evict();
  }

  get(flowsId: string): CachedFlows | undefined {
    const e = this.entries.get(flowsId);
    if (e) {
      // refresh LRU order
      this.entries.delete(flowsId);
      this.entries.set(flowsId, e);
    }
    return e;
  }

  has(flowsId: string): boolean {
    return this.entries.has(flowsId);
  }

  delete(flowsId: string): boolean {
    return this.entries.delete(flowsId);
  }

  /** Bytes of typed arrays held. */
  bytes(): number {
    let b = 0;
    for (const e of this.entries.values()) b += entryBytes(e);
    return b;
  }

  /** Keeps the evicted entry's memory in check after positions or labels were added. */
  evict(): void {
    let total = this.bytes();
    for (const [id, e] of this.entries) {
      if (total <= this.maxBytes || this.entries.size <= 1) break;
      total -= entryBytes(e);
      this.entries.delete(id);
    }
  }
}

function entryBytes(e: CachedFlows): number {
  let b = e.dP.byteLength + e.cellprob.byteLength;
  if (e.follow) b += e.follow.p.byteLength + e.follow.input.field.byteLength + e.follow.input.inds.byteLength;
  if (e.cluster) b += e.cluster.labels.byteLength;
  return b;
}
