// Real Cellpose 3.1.1.3 outputs (/work/shared/fixtures/cellpose): the _seg.npy files hold the
// network flows [dY, dX, cellprob] (flows[4]) and the masks Cellpose computed from them on CPU.
import { describe, expect, it } from 'vitest';
import { computeMasks, finishMasks } from '../../../src/core/dynamics/compute-masks.ts';
import { averagePrecision } from '../../../src/core/masks/average-precision.ts';
import { flowToRgb } from '../../../src/core/pipeline/flow-rgb.ts';
import { FIXTURES, pyArrays } from '../masks/python-npy.ts';

function load(file: string): { flows: Float32Array; flowShape: number[]; masks: Uint16Array; rgb: Uint8Array } {
  // one python3 start per file: all three arrays as float32 (exact for uint16 labels and uint8)
  const [f, m, rgb] = pyArrays(
    [`seg('${FIXTURES}/${file}')['flows'][4]`, `seg('${FIXTURES}/${file}')['masks']`, `seg('${FIXTURES}/${file}')['flows'][0]`],
    'float32',
  );
  return {
    flows: new Float32Array(f.bytes.buffer),
    flowShape: f.shape,
    masks: Uint16Array.from(new Float32Array(m.bytes.buffer)),
    rgb: Uint8Array.from(new Float32Array(rgb.bytes.buffer)),
  };
}

describe('masks from real Cellpose flows', () => {
  it('2-D v3-cpu profile reproduces Cellpose 3.1 masks pixel for pixel (StarDist sample, 105 masks)', () => {
    const { flows, flowShape, masks, rgb } = load('cli2d/img2d_seg.npy');
    const [, ly, lx] = flowShape;
    const plane = ly * lx;
    // diameter 24 with a diam_mean-17 model: niter = trunc(200 / (17/24)) = 282
    const raw = computeMasks(flows.subarray(0, 2 * plane), flows.subarray(2 * plane), [ly, lx], { niter: 282, profile: 'v3-cpu' });
    const ours = finishMasks(raw, [ly, lx], { minSize: 15 });
    let diff = 0;
    for (let i = 0; i < plane; i++) if (ours[i] !== masks[i]) diff++;
    expect(diff).toBe(0);
    expect(Math.max(...new Set(ours))).toBe(105);
    // and the flow picture matches Cellpose's dx_to_circ to one grey level
    const pic = flowToRgb(flows.subarray(0, 2 * plane), 2, plane);
    let off = 0;
    let worst = 0;
    for (let i = 0; i < pic.length; i++) {
      const d = Math.abs(pic[i] - rgb[i]);
      worst = Math.max(worst, d);
      if (d) off++;
    }
    expect(worst).toBeLessThanOrEqual(1);
    expect(off / pic.length).toBeLessThan(1e-4);
  });

  it('3-D (do_3D) masks from summed 3-view flows match Cellpose (grid-sample dynamics, no QC)', () => {
    const { flows, flowShape, masks, rgb } = load('cli3d/stack3d_seg.npy');
    const [, lz, ly, lx] = flowShape;
    const vol = lz * ly * lx;
    // the 3-D flow picture: magnitude of (dZ, dY, dX), angle atan2(dY, dZ), as Cellpose does it
    const pic = flowToRgb(flows.subarray(0, 3 * vol), 3, vol);
    let off = 0;
    for (let i = 0; i < pic.length; i++) off += Math.abs(pic[i] - rgb[i]) > 1 ? 1000 : pic[i] !== rgb[i] ? 1 : 0;
    expect(off).toBeLessThan(20);
    const raw = computeMasks(flows.subarray(0, 3 * vol), flows.subarray(3 * vol), [lz, ly, lx], { niter: 282 });
    const ours = finishMasks(raw, [lz, ly, lx], { minSize: 15 });
    const ap = averagePrecision([masks], [ours]);
    expect(ap.tp[0]).toEqual([7, 7, 7]);
    expect(ap.ap[0][0]).toBe(1);
  });
});
