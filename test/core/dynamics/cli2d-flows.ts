// The flows of the real Cellpose 3.1 CLI run in fixtures/cellpose/cli2d (read with python3-numpy):
// dP (2, Ly, Lx) and cellprob as float32, and the niter that run used (diameter 24, diam_mean 17).
import { FIXTURES, pyArrays } from '../masks/python-npy.ts';

export const CLI2D_NITER = 282;

export interface Cli2dFlows {
  dP: Float32Array;
  cellprob: Float32Array;
  shape: [number, number];
}

export function cli2dFlows(): Cli2dFlows {
  const [f] = pyArrays([`seg('${FIXTURES}/cli2d/img2d_seg.npy')['flows'][4]`], 'float32');
  const flows = new Float32Array(f.bytes.buffer);
  const [, ly, lx] = f.shape;
  const plane = ly * lx;
  return { dP: flows.slice(0, 2 * plane), cellprob: flows.slice(2 * plane), shape: [ly, lx] };
}
