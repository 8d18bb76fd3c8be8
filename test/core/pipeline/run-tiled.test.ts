// The tiler (normalize -> pad -> tiles -> net -> un-augment -> taper blend -> crop) against an
// independent numpy/torch implementation (tools/reference/run_net_reference.py) on a real image
// crop, with and without test-time augmentation, multi-tile and single-tile, 1 and 2 channels.
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildCpnetOnnx } from '../../../src/core/model/build-cpnet-onnx.ts';
import { describeCpnet } from '../../../src/core/model/cpnet-spec.ts';
import type { NetworkRunner } from '../../../src/core/pipeline/network-runner.ts';
import { segment, type SegmentNetwork } from '../../../src/core/pipeline/segment.ts';
import type { ImageStack } from '../../../src/core/io/image-types.ts';
import { loadWeightsViaTorch, PYTHON, readNpyF32, tempDir } from '../model/torch-reference.ts';
import { sharedPath } from '../../helpers/shared-data.ts';

const TINY3 = new URL('../../fixtures/model/tiny_nchan3', import.meta.url).pathname;
const SCRIPT = new URL('../../../tools/reference/run_net_reference.py', import.meta.url).pathname;
const IMG = sharedPath('data/stardist-dsb2018-sample-2d/img2d.tif');

async function tinyNet(): Promise<SegmentNetwork> {
  const w = loadWeightsViaTorch(TINY3);
  const spec = describeCpnet(w);
  const session = await ort.InferenceSession.create(buildCpnetOnnx(w));
  const runner: NetworkRunner = {
    nchan: spec.nchan,
    nout: spec.nout,
    styleDim: spec.styleDim,
    async run(batch, shape) {
      const r = await session.run({ input: new ort.Tensor('float32', batch, shape) });
      return { flows: r.flows_cellprob.data as Float32Array, style: r.style.data as Float32Array };
    },
  };
  return { ...runner, model: { name: 'tiny', diamMeanPx: 17, diamLabelsPx: 17, sizeModel: null, sizeModelPath: '' } };
}

/** Real crops (h, w) with c channels (shifted crops of the StarDist image, CC0), written as
 *  <dir>/img<k>.npy. */
function realCrops(dir: string, sizes: [number, number, number][]): void {
  execFileSync(PYTHON, ['-c', `
import numpy as np
from PIL import Image
im = np.array(Image.open('${IMG}')).astype(np.float32)
for n, (h, w, c) in enumerate(${JSON.stringify(sizes)}):
    x = np.stack([im[7 * k:7 * k + h, 13 * k:13 * k + w] for k in range(c)], -1)
    np.save('${dir}/img%d.npy' % n, np.ascontiguousarray(x))
`]);
}

function stackOf(data: Float32Array, h: number, w: number, c: number): ImageStack {
  return {
    data: { data, shape: [1, h, w, c], dtype: 'float32' }, nZ: 1, height: h, width: w, nChannels: c, dtype: 'float32',
    assignment: { rawShape: [h, w, c], axes: ['Y', 'X', 'C'], source: 'override', ambiguous: false, description: '' },
    format: 'tiff', minValue: 0, maxValue: 0, warnings: [],
  };
}

describe('tiled inference vs an independent numpy/torch tiler', () => {
  const cases: [string, number, number, number, boolean][] = [
    ['multi-tile 300x260, 3 channels, no augment', 300, 260, 3, false],
    ['multi-tile 250x240, 3 channels, augment', 250, 240, 3, true],
    ['single small tile 100x140 augment (2x2 flipped copies)', 100, 140, 3, true],
  ];
  const dir = tempDir();
  let net: SegmentNetwork;
  beforeAll(async () => {
    // one python process for all cases: torch start-up dominates on a busy machine
    realCrops(dir, cases.map(([, h, w, c]) => [h, w, c]));
    execFileSync(PYTHON, [SCRIPT, TINY3, ...cases.flatMap(([, , , , aug], k) => [join(dir, `img${k}.npy`), aug ? '1' : '0', join(dir, `ref${k}`)])]);
    net = await tinyNet();
  });
  cases.forEach(([name, h, w, c, augment], k) => {
    it(name, async () => {
      const raw = readNpyF32(join(dir, `img${k}.npy`)).data;
      const ref = readNpyF32(join(dir, `ref${k}_y.npy`));
      const refStyle = readNpyF32(join(dir, `ref${k}_style.npy`));
      // diameter = diam_mean: rescale 1; channels null keeps the 3 channels in order
      const r = await segment(stackOf(Float32Array.from(raw), h, w, c), { diameterPx: 17, channels: null, augment, computeMasks: false }, net, { computeMasks: () => Promise.reject(new Error('unused')) });
      const n = h * w;
      let m = 0;
      for (let p = 0; p < n; p++) {
        m = Math.max(m, Math.abs(r.dP[p] - ref.data[p * 3]), Math.abs(r.dP[n + p] - ref.data[p * 3 + 1]), Math.abs(r.cellprob[p] - ref.data[p * 3 + 2]));
      }
      let ms = 0;
      for (let k = 0; k < refStyle.data.length; k++) ms = Math.max(ms, Math.abs(r.style[k] - refStyle.data[k]));
      expect(m).toBeLessThan(1e-4);
      expect(ms).toBeLessThan(1e-5);
    });
  });
});
