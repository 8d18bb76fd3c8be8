// Keeps the network outputs of recent segmentations so that a new flow_threshold or
// cellprob_threshold recomputes masks without running the network again (the GUI's sliders).
// Besides dP/cellprob it remembers end positions and the labels before QC with their flow errors.
// 2-D pixel-bilinear dynamics (the GUI's v3-cpu profile) keep every end point with the cellprob
// threshold range it is valid for (core/dynamics/rethreshold.ts), so a new cellprob_threshold
// integrates only the points whose sampled foreground changed; other methods keep the last
// positions per (cellprob threshold, niter, method). The 2-D pixel-bilinear path also keeps the
// masked field and block ranges of the last threshold (moved, not rebuilt, on a slider step) and
// the labels with their boxes, flow errors and holes: a new flow_threshold or min_size is then one
// fill pass (core/dynamics/mask-parts.ts).
import type { FollowInput } from '../../core/dynamics/follow-flows.ts';
import type { MaskPartsResult } from '../../core/dynamics/mask-parts.ts';
import type { PositionCache, ThresholdField } from '../../core/dynamics/rethreshold.ts';
import type { ClusterParts } from './protocol.ts';
import type { ComputeResult } from './service.ts';

export interface CachedFlows {
  dP: Float32Array;
  cellprob: Float32Array;
  shape: number[];
  /** Key of the dynamics inputs (cellprob threshold, niter, method) -> positions. */
  follow?: { key: string; input: FollowInput; p: Float32Array };
  /** Every end point integrated so far with its valid threshold range (2-D pixel-bilinear). */
  positions?: PositionCache;
  /** Key of everything up to get_masks -> labels before QC and their flow errors (null: not computed). */
  cluster?: { key: string; labels: Uint16Array | Uint32Array; errors: Float64Array | null };
  /** 2-D per-mask path: dP in shared memory (read by every worker), made once. */
  sharedDP?: Float32Array;
  /** 2-D pixel-bilinear: the masked field and block ranges, moved from threshold to threshold. */
  field?: ThresholdField;
  /** 2-D per-mask path: get_masks labels + boxes (null: no foreground), holes and flow errors. */
  parts?: { key: string; parts: ClusterParts | null; holes: MaskPartsResult | null };
  /** The computation running on this entry; the next one waits for it (they share arrays). */
  busy?: Promise<void>;
  /** A background compute for likely next parameters (see DynamicsService.prefetch). */
  prefetch?: { key: string; abort: AbortController };
  /** Its result, until a compute takes it or another compute replaces it. */
  prefetched?: { key: string; result: ComputeResult };
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
  if (e.positions) b += e.positions.byteLength;
  if (e.cluster) b += e.cluster.labels.byteLength + (e.cluster.errors?.byteLength ?? 0);
  if (e.sharedDP) b += e.sharedDP.byteLength;
  if (e.prefetched) b += e.prefetched.result.masks.byteLength;
  if (e.field) b += e.field.byteLength;
  if (e.parts?.parts) b += e.parts.parts.labels.byteLength + 5 * e.parts.parts.boxes.y0.byteLength;
  if (e.parts?.holes) b += e.parts.holes.holePixels.byteLength + e.parts.holes.holeStart.byteLength + (e.parts.holes.errors?.byteLength ?? 0);
  return b;
}
