// What the pipeline needs from a network backend. Core never imports onnxruntime: the backend
// (an ONNX session in a worker) or a test stub implements this.

export interface NetworkOutput {
  /** (n, nout, h, w) float32: dY·5, dX·5, cellprob logit. */
  flows: Float32Array;
  /** (n, styleDim) float32, L2-normalized per tile. */
  style: Float32Array;
}

export interface NetworkRunner {
  /** Input channels the network expects. */
  readonly nchan: number;
  readonly nout: number;
  readonly styleDim: number;
  /** Tiles of Cellpose's 224² size the runner would rather take per run than batch_size, when
   *  more (a GPU, whose kernels are then busier). The outputs do not depend on the grouping;
   *  only progress and cancel come less often. Absent: batch_size. */
  readonly preferredBatchSize?: number;
  run(batch: Float32Array, shape: [n: number, c: number, h: number, w: number]): Promise<NetworkOutput>;
}
