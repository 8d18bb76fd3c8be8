// tile_norm_blocksize on a single 2-D image keeps the user's norm3D (true by default), as Cellpose
// 3.1's eval does for one image: with norm3D, normalize99_tile smooths the block grid a second time.
// Segmenting with tile normalization must equal segmenting the image normalized beforehand (by the
// same normalizeImg with norm3D true) with normalization off. Cellpose 3.1.1.3 itself gave the same
// flows within 6e-6 on img2d (tools/cellpose-parity); forcing norm3D off moved them by 0.39.
import { describe, expect, it } from 'vitest';
import { loadCellposeModel } from '../../../src/backend/inference/load-model.ts';
import { OrtNetwork } from '../../../src/backend/inference/ort-network.ts';
import { directDeps } from '../../../src/core/pipeline/direct-masks.ts';
import { segment } from '../../../src/core/pipeline/segment.ts';
import { normalizeImg } from '../../../src/core/transforms/normalize-img.ts';
import { FIXTURES, readImage, REAL_MODEL } from './cellpose-fixture.ts';

describe('tile normalization of one 2-D image', () => {
  it('uses norm3D as given (default true), like Cellpose 3.1', async () => {
    const model = await loadCellposeModel(REAL_MODEL, { cacheDir: null });
    const net = await OrtNetwork.create(model.onnxBytes, model.spec);
    const deps = { nchan: net.nchan, nout: net.nout, styleDim: net.styleDim, run: net.run.bind(net), model: model.info };
    const image = await readImage(`${FIXTURES}/gui2d/crop2d.tif`);
    const { height, width } = image;
    const tileNorm = { normalize: true, percentile: [1, 99] as [number, number], lowhigh: null, norm3D: true, invert: false, tileNormBlocksize: 64 };
    const a = await segment(image, { diameterPx: 24, channels: [0, 0], normalize: tileNorm, computeMasks: false }, deps, directDeps);
    const pre = Float32Array.from(image.data.data as ArrayLike<number>);
    normalizeImg(pre, [1, height, width, 1], tileNorm);
    const normalized = { ...image, dtype: 'float32' as const, data: { dtype: 'float32' as const, shape: image.data.shape, data: pre } };
    const b = await segment(normalized, { diameterPx: 24, channels: [0, 0], normalize: { ...tileNorm, normalize: false, tileNormBlocksize: 0 }, computeMasks: false }, deps, directDeps);
    let maxDiff = 0;
    for (let i = 0; i < a.dP.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a.dP[i] - b.dP[i]));
    expect(maxDiff).toBeLessThan(1e-5);
    await net.release();
  });
});
