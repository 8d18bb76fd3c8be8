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
  run(batch: Float32Array, shape: [n: number, c: number, h: number, w: number]): Promise<NetworkOutput>;
}
