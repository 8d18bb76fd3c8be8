import { describe, expect, it } from 'vitest';
import { niterFor } from '../../../src/core/dynamics/niter.ts';
import { profileSettings } from '../../../src/core/dynamics/profiles.ts';
import { roundHalfEven } from '../../../src/core/dynamics/centres.ts';

describe('niter rule (5.6) and profiles', () => {
  it('v3.1: 200 / rescale when resampled (diameter 15 with cyto3 -> 100, 60 -> 400), else 200', () => {
    expect(niterFor('v3-cpu', { rescale: 30 / 15 })).toBe(100);
    expect(niterFor('v3-cpu', { rescale: 30 / 60 })).toBe(400);
    expect(niterFor('v3-cpu', { rescale: 17 / 24 })).toBe(282); // truncated, as Cellpose's uint cast
    expect(niterFor('v3-cpu', { rescale: 2, resample: false })).toBe(200);
    expect(niterFor('v3-cpu', { niter: 55.9, rescale: 2 })).toBe(55);
  });

  it('v4: trunc(200 / (30 / diameter)) with a diameter, else 200', () => {
    expect(niterFor('v4', { diameterPx: 17 })).toBe(113);
    expect(niterFor('v4', {})).toBe(200);
  });

  it('profiles bundle dynamics, QC flows and centre rule; np.round is half-to-even', () => {
    expect(profileSettings('v3-cpu')).toEqual({ follow2D: 'pixel-bilinear', flowVariant: 'cpu', centre: 'v3' });
    expect(profileSettings('v4')).toEqual({ follow2D: 'grid-sample', flowVariant: 'gpu', centre: 'v4' });
    expect([0.5, 1.5, 2.5, -0.5, 2.4, 2.6].map(roundHalfEven)).toEqual([0, 2, 2, 0, 2, 3]);
  });
});
