// Which raw axis is Z, which is channels: Cellpose 3.x conventions (GUI_AND_FORMATS B.11,
// ALGORITHMS 2.1), with metadata (ImageJ/OME) and explicit overrides taking precedence.
import { allocTyped, stridesOf, type NdArray } from '../array/ndarray.ts';
import { FormatError } from '../errors.ts';
import type { AxisAssignment, AxisLetter, AxisOverride } from './image-types.ts';

export interface AxisHints {
  /** One letter per raw axis, from ImageJ/OME metadata. */
  fromMetadata?: AxisLetter[];
  /** TIFF samples per pixel (> 1 means the last raw axis is colour samples). */
  samplesPerPixel?: number;
}

/** Up to this size the smallest axis of a 3-D image is read as channels. Cellpose 3.1's
 *  convert_image, as its CLI and the GUI's model run call it (with `channels` given, always [0, 0]
 *  at least), first takes a smallest dimension > 5 as Z; only then does move_min_dim read one < 10
 *  as channels. So a stack of 6-9 planes is Z there (checked against Cellpose 3.1.1.3's CLI,
 *  tools/cellpose-parity case planes7); quirk #30's "<= 9 planes are channels" holds only for an
 *  API call with channels=None. */
const MAX_GUESSED_CHANNELS = 5;
/** A smallest axis up to this size could as well be the other kind (quirk #30): the GUI asks. */
const MAX_AMBIGUOUS_AXIS = 9;

function shapeText(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

function tooMany(shape: readonly number[], m: number): FormatError {
  return new FormatError(
    `image has ${m} non-singleton axes (shape ${shapeText(shape)}); Cellpose images have at most Z, C, Y and X. ` +
      'A time series or a multi-position file must be split into single stacks first',
  );
}

/** Human summary, e.g. "Z=24, C=2, 512x512" (height x width). */
export function describeAxes(shape: readonly number[], axes: readonly AxisLetter[]): string {
  const size = (l: AxisLetter): number => {
    const i = axes.indexOf(l);
    return i < 0 ? 1 : shape[i];
  };
  const parts: string[] = [];
  if (size('Z') > 1) parts.push(`Z=${size('Z')}`);
  if (size('C') > 1) parts.push(`C=${size('C')}`);
  parts.push(`${size('Y')}x${size('X')}`);
  return parts.join(', ');
}

function normaliseIndex(i: number, n: number, what: string, shape: readonly number[]): number {
  if (!Number.isInteger(i) || i < -n || i >= n) {
    throw new FormatError(`${what} ${i} is out of range for an image with ${n} axes (shape ${shapeText(shape)})`);
  }
  return i < 0 ? i + n : i;
}

/** Label the still-unlabelled axes: extra non-singleton axes become C (smallest) and/or Z (first)
 *  as allowed, the last two remaining become Y, X, and leftover singletons fill Z, C, then T. */
function labelRest(shape: readonly number[], letters: (AxisLetter | undefined)[], allowZ: boolean, allowC: boolean): void {
  const free = (): number[] => letters.flatMap((l, i) => (l === undefined ? [i] : []));
  let nonSingleton = free().filter((i) => shape[i] > 1);
  if (allowC && nonSingleton.length > 2) {
    let k = nonSingleton[0];
    for (const i of nonSingleton) if (shape[i] < shape[k]) k = i;
    letters[k] = 'C';
    nonSingleton = nonSingleton.filter((i) => i !== k);
  }
  if (allowZ && nonSingleton.length > 2) {
    letters[nonSingleton[0]] = 'Z';
    nonSingleton = nonSingleton.slice(1);
  }
  if (nonSingleton.length > 2) throw tooMany(shape, shape.filter((d) => d > 1).length);
  // Y, X: the non-singleton spatial axes, padded with trailing singletons for a 1-pixel-high image.
  let spatial = nonSingleton;
  if (spatial.length < 2) {
    const singles = free().filter((i) => shape[i] === 1);
    spatial = [...spatial, ...singles.slice(singles.length - (2 - spatial.length))].sort((a, b) => a - b);
  }
  letters[spatial[0]] = 'Y';
  letters[spatial[1]] = 'X';
  for (const i of free()) {
    letters[i] = !letters.includes('Z') ? 'Z' : !letters.includes('C') ? 'C' : 'T';
  }
}

function fromMetadata(shape: readonly number[], meta: AxisLetter[]): AxisLetter[] | undefined {
  if (meta.length !== shape.length) return undefined;
  const count = (l: AxisLetter): number => meta.filter((m) => m === l).length;
  if (count('Y') !== 1 || count('X') !== 1 || count('Z') > 1 || count('C') > 1) return undefined;
  const letters = [...meta];
  const tBig = letters.flatMap((l, i) => (l === 'T' && shape[i] > 1 ? [i] : []));
  const zIndex = letters.indexOf('Z');
  if (tBig.length > 0) {
    // A time series without Z: Cellpose has no T, and reads such a 4-D array as Z (its 3.x rule
    // takes the first axis of Z,C,Y,X as Z). Keep that; decodeImage tells the user.
    if (tBig.length === 1 && (zIndex < 0 || shape[zIndex] === 1)) {
      if (zIndex >= 0) letters[zIndex] = 'T';
      letters[tBig[0]] = 'Z';
    } else {
      throw tooMany(shape, shape.filter((d) => d > 1).length);
    }
  }
  return letters;
}

export function assignAxes(rawShape: readonly number[], hints: AxisHints = {}, override?: AxisOverride): AxisAssignment {
  const shape = [...rawShape];
  const n = shape.length;
  if (n < 2) throw new FormatError(`image has ${n} axis (shape ${shapeText(shape)}); at least Y and X are needed`);
  if (shape.some((d) => !Number.isInteger(d) || d < 1)) throw new FormatError(`invalid image shape ${shapeText(shape)}`);
  const m = shape.filter((d) => d > 1).length;
  const done = (axes: AxisLetter[], source: AxisAssignment['source'], ambiguous: boolean): AxisAssignment => ({
    rawShape: shape,
    axes,
    source,
    ambiguous,
    description: describeAxes(shape, axes),
  });

  // 1. Explicit axes win, as with Cellpose's --z_axis / --channel_axis.
  if (override && (override.zAxis !== undefined || override.channelAxis !== undefined)) {
    const letters: (AxisLetter | undefined)[] = new Array<AxisLetter | undefined>(n).fill(undefined);
    const z = override.zAxis == null ? undefined : normaliseIndex(override.zAxis, n, 'z axis', shape);
    const c = override.channelAxis == null ? undefined : normaliseIndex(override.channelAxis, n, 'channel axis', shape);
    if (z !== undefined && z === c) throw new FormatError(`z axis and channel axis are both ${z}; they must differ`);
    if (z !== undefined) letters[z] = 'Z';
    if (c !== undefined) letters[c] = 'C';
    // undefined = "not given" (may still be guessed), null = "this image has none".
    labelRest(shape, letters, override.zAxis === undefined, override.channelAxis === undefined);
    return done(letters as AxisLetter[], 'override', false);
  }

  if (m > 4) throw tooMany(shape, m);

  // 2. Metadata that names every axis (ImageJ hyperstack, OME-XML).
  if (hints.fromMetadata) {
    const letters = fromMetadata(shape, hints.fromMetadata);
    if (letters) return done(letters, 'metadata', false);
  }

  const letters: (AxisLetter | undefined)[] = new Array<AxisLetter | undefined>(n).fill(undefined);
  const ns = shape.flatMap((d, i) => (d > 1 ? [i] : []));

  // 3. RGB(A) samples of a TIFF page are channels. Cellpose reads the page with tifffile and
  // ignores that they are samples: it guesses from the shape (step 4), which makes 6 or more of
  // them Z planes. The reference wins over the file's word, so from 6 samples on the guess below
  // decides here too (parity case t_yx6).
  const spp = hints.samplesPerPixel ?? 1;
  if (spp > 1 && spp <= MAX_GUESSED_CHANNELS && shape[n - 1] === spp) {
    letters[n - 1] = 'C';
    labelRest(shape, letters, true, false);
    return done(letters as AxisLetter[], 'guess', false);
  }

  // 4. Cellpose 3.x guesses.
  let ambiguous = false;
  if (m === 3) {
    let k = 0;
    for (let j = 1; j < 3; j++) if (shape[ns[j]] < shape[ns[k]]) k = j;
    if (shape[ns[k]] <= MAX_GUESSED_CHANNELS) {
      letters[ns[k]] = 'C';
      // A Z-stack of <= 5 planes is read as channels, as by Cellpose. We keep its guess, but a small
      // axis that is not last could as well be Z, so the GUI asks.
      ambiguous = k !== 2;
    } else {
      letters[ns[k]] = 'Z';
      // 6-9 planes: Z for Cellpose's CLI, channels for its channels=None API path; the GUI asks.
      ambiguous = shape[ns[k]] <= MAX_AMBIGUOUS_AXIS;
    }
  } else if (m === 4) {
    const s = ns.map((i) => shape[i]);
    // 3D GUI rule: Z x C x Y x X unless the first axis is < 4, the smallest, and smaller than the
    // second (then C x Z x Y x X).
    const channelsFirst = s[0] < 4 && s[0] === Math.min(...s) && s[0] < s[1];
    letters[ns[channelsFirst ? 0 : 1]] = 'C';
    letters[ns[channelsFirst ? 1 : 0]] = 'Z';
    // Many "channels" is more likely a mislabelled axis.
    ambiguous = s[channelsFirst ? 0 : 1] > 4;
  }
  labelRest(shape, letters, false, false);
  return done(letters as AxisLetter[], 'guess', ambiguous);
}

/** Reorder a raw array to (Z, Y, X, C), always 4-D (nZ or nC may be 1). Axes labelled T must have
 *  size 1. When the raw order already is Z, Y, X, C the data is shared, not copied. */
export function reorderToZYXC(raw: NdArray, a: AxisAssignment): NdArray {
  const shape = raw.shape;
  if (shape.length !== a.axes.length) throw new FormatError(`axis assignment has ${a.axes.length} axes, array has ${shape.length}`);
  const idx = (l: AxisLetter): number => a.axes.indexOf(l);
  a.axes.forEach((l, i) => {
    if (l === 'T' && shape[i] !== 1) throw tooMany(shape, shape.filter((d) => d > 1).length);
  });
  const size = (i: number): number => (i < 0 ? 1 : shape[i]);
  const [iz, iy, ix, ic] = [idx('Z'), idx('Y'), idx('X'), idx('C')];
  const nZ = size(iz);
  const h = size(iy);
  const w = size(ix);
  const nC = size(ic);
  const outShape = [nZ, h, w, nC];
  // Already in order? Compare the positions of the non-singleton axes.
  const order = [iz, iy, ix, ic].filter((i) => i >= 0 && shape[i] > 1);
  if (order.every((v, k) => k === 0 || order[k - 1] < v)) {
    return { data: raw.data, shape: outShape, dtype: raw.dtype } as NdArray;
  }
  const st = stridesOf(shape);
  const s = (i: number): number => (i < 0 ? 0 : st[i]);
  const [sz, sy, sx, sc] = [s(iz), s(iy), s(ix), s(ic)];
  const out = allocTyped(raw.dtype, nZ * h * w * nC);
  // Typed arrays of one dtype: element copies keep the value exactly (bigint stays bigint).
  const src = raw.data as unknown as { [k: number]: number };
  const dst = out as unknown as { [k: number]: number };
  let o = 0;
  for (let z = 0; z < nZ; z++) {
    for (let y = 0; y < h; y++) {
      const row = z * sz + y * sy;
      for (let x = 0; x < w; x++) {
        const px = row + x * sx;
        for (let c = 0; c < nC; c++) dst[o++] = src[px + c * sc];
      }
    }
  }
  return { data: out, shape: outShape, dtype: raw.dtype } as NdArray;
}
