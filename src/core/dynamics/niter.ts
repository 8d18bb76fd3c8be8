// Number of Euler steps (ALGORITHMS.md 5.6).
import type { DynamicsProfile } from './profiles.ts';

export interface NiterInput {
  /** User value; > 0 overrides the automatic rule (the GUI's 0 = automatic). */
  niter?: number;
  /** diam_mean / diameter, the factor the image was resized by before the network. */
  rescale?: number;
  /** Dynamics at the original size (Cellpose's default resample = True). */
  resample?: boolean;
  /** Diameter given by the user (v4's rule uses it directly). */
  diameterPx?: number;
}

/**
 * v3.1: 200 / rescale when resampled, else 200. v4: trunc(200 / (30 / diameter)) when a diameter
 * was given, else 200. The result is truncated, as Cellpose casts niter to an integer at use.
 */
export function niterFor(profile: DynamicsProfile, input: NiterInput = {}): number {
  if (input.niter !== undefined && input.niter > 0) return Math.trunc(input.niter);
  if (profile === 'v4') {
    const d = input.diameterPx;
    return d !== undefined && d > 0 ? Math.trunc(200 / (30 / d)) : 200;
  }
  const rescale = input.rescale ?? 1;
  const resample = input.resample ?? true;
  return Math.trunc(resample && rescale > 0 ? 200 / rescale : 200);
}
