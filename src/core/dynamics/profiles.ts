// Which Cellpose behaviour the dynamics reproduce (ALGORITHMS.md 5.2 table). The variants are not
// interchangeable at the level of exact labels, so they travel together as one profile.

export type DynamicsProfile = 'v3-cpu' | 'v3-gpu' | 'v4';

/** Euler integration of 5.2: 5.2.1 pixel-bilinear, 5.2.2 grid-sample, 5.2.3 nearest. */
export type FollowMethod = 'pixel-bilinear' | 'grid-sample' | 'nearest';

/** Heat-diffusion flows of 4.2: per-mask CPU variant or whole-image "GPU" variant. */
export type FlowVariant = 'cpu' | 'gpu';

/** Source-pixel rule of 4.1. */
export type CentreRule = 'v3' | 'v4';

export interface ProfileSettings {
  /** 2-D dynamics with interp on; 3-D always uses grid-sample (v3.1 and v4). */
  follow2D: FollowMethod;
  flowVariant: FlowVariant;
  centre: CentreRule;
}

export function profileSettings(profile: DynamicsProfile): ProfileSettings {
  switch (profile) {
    case 'v3-cpu':
      return { follow2D: 'pixel-bilinear', flowVariant: 'cpu', centre: 'v3' };
    case 'v3-gpu':
      return { follow2D: 'grid-sample', flowVariant: 'gpu', centre: 'v3' };
    case 'v4':
      return { follow2D: 'grid-sample', flowVariant: 'gpu', centre: 'v4' };
    default: {
      const never: never = profile;
      throw new RangeError(`unknown dynamics profile ${String(never)}`);
    }
  }
}

export function isDynamicsProfile(s: string): s is DynamicsProfile {
  return s === 'v3-cpu' || s === 'v3-gpu' || s === 'v4';
}

/**
 * The part of an AbortSignal the dynamics check between stages. (Declared here rather than taken
 * from core/util/platform.ts because the lint pattern for the Node module `util` also matches that
 * path.)
 */
export interface CancelSignal {
  readonly aborted: boolean;
}

export function throwIfCancelled(signal: CancelSignal | undefined): void {
  if (signal?.aborted) {
    const e = new Error('cancelled');
    e.name = 'AbortError';
    throw e;
  }
}
