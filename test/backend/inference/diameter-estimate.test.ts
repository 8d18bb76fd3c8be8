// Diameter 0 = estimate (ALGORITHMS.md 1.9) with a size model file in Cellpose's format
// (np.save of {'A', 'smean', 'diam_mean', 'ymean'}), through the worker service: style pass,
// log-linear regression, refinement pass, median mask diameter.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createInferenceService } from '../../../src/backend/inference/inference-service.ts';
import { diameterFromStyle } from '../../../src/core/pipeline/estimate-diameter.ts';
import { PYTHON } from '../../core/model/torch-reference.ts';
import { FIXTURES, REAL_MODEL } from './cellpose-fixture.ts';

const svc = createInferenceService({ intraOpThreads: 2 });
afterAll(() => svc.dispose());

describe('diameter estimation', () => {
  it('d_style = max(5, exp(A·(s − smean) + ln(diam_mean) + ymean))', () => {
    const A = Float64Array.from([0.5, -1]);
    const smean = Float64Array.from([0.1, 0.2]);
    const s = Float32Array.from([0.3, 0.1]);
    const expected = Math.exp(0.5 * (s[0] - 0.1) - 1 * (s[1] - 0.2) + Math.log(17) + 0.25);
    expect(diameterFromStyle(s, { A, smean, diamMeanPx: 17, ymean: 0.25 })).toBeCloseTo(expected, 10);
    expect(diameterFromStyle(s, { A, smean, diamMeanPx: 17, ymean: -10 })).toBe(5);
  });

  it('estimates the diameter of real nuclei with a Cellpose-format size model (regression to 24 px, refined by the masks)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'diam-'));
    const model = join(dir, 'nuclei_model');
    copyFileSync(REAL_MODEL, model);
    // A = 0 makes the regression return exp(ln 17 + ymean) = 24 px for any style
    execFileSync(PYTHON, ['-c', `
import numpy as np
np.save('${model}_size.npy', {'A': np.zeros(256), 'smean': np.zeros(256, np.float32), 'diam_mean': 17.0, 'ymean': float(np.log(24 / 17))})
`]);
    const m = await svc.loadModel(model);
    expect(m.hasSizeModel).toBe(true);
    const r = await svc.segment(`${FIXTURES}/gui2d/crop2d.tif`, { diameterPx: 0 });
    expect(r.diameterStylePx).toBeCloseTo(24, 6);
    // nuclei of this image are ~24 px across (the data set's median is 23.7 px)
    expect(r.diameterUsedPx).toBeGreaterThan(18);
    expect(r.diameterUsedPx).toBeLessThan(30);
    expect(r.rescale).toBeCloseTo(17 / r.diameterUsedPx, 10);
    let n = 0;
    for (const v of r.masks) n = Math.max(n, v);
    expect(n).toBeGreaterThan(20);

    // As Cellpose's wrapper, the estimate uses only the channels, normalization and batch size of
    // the run: the user's thresholds, min_size and augment do not move it (parity cases size0_aug
    // and size0_thresholds against Cellpose 3.1.1.3)
    const r2 = await svc.segment(`${FIXTURES}/gui2d/crop2d.tif`, { diameterPx: 0, augment: true, flowThreshold: 0.9, cellprobThreshold: -2, minSize: 60, tileOverlap: 0.3 });
    expect(r2.diameterUsedPx).toBe(r.diameterUsedPx);

    // 3-D: no estimate (Cellpose warns and runs at diam_mean)
    const r3 = await svc.segment(`${FIXTURES}/cli3d/stack3d.tif`, { diameterPx: 0, do3D: true });
    expect(r3.diameterUsedPx).toBe(17);
    expect(r3.warnings.join(' ')).toMatch(/size model does not work on 3-D input; using the model's diam_mean, 17 px/);
  });
});
