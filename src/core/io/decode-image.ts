// Bytes of an image file -> ImageStack (Z, Y, X, C) with its axes assigned. The format is sniffed
// from the content, never trusted from the name: a PNG saved as .tif is still a PNG.
import { getNumber, isIntegerDType, type NdArray } from '../array/ndarray.ts';
import { FormatError } from '../errors.ts';
import { assignAxes, reorderToZYXC } from './axes.ts';
import type { AxisLetter, AxisOverride, ImageStack } from './image-types.ts';
import { decodeJpeg, isJpeg } from './jpeg.ts';
import { decodePng, isPng } from './png.ts';
import type { Inflate } from './tiff/chunks.ts';
import { decodeTiff } from './tiff/decode-tiff.ts';

/** Default cap on decoded pixel bytes: larger files are refused before anything is allocated. */
export const DEFAULT_MAX_DECODED_BYTES = 4 * 1024 ** 3;

export interface DecodeImageOptions {
  /** File name (or just its extension), used only to warn when it disagrees with the content. */
  nameHint?: string;
  axes?: AxisOverride;
  maxDecodedBytes?: number;
  /** zlib inflater for Deflate TIFFs; hosts pass a native one (see backend/io/read-image.ts). */
  inflate?: Inflate;
}

export type ImageFormat = ImageStack['format'];

export function sniffFormat(bytes: Uint8Array): ImageFormat | undefined {
  if (bytes.length >= 4 && ((bytes[0] === 0x49 && bytes[1] === 0x49) || (bytes[0] === 0x4d && bytes[1] === 0x4d))) {
    const le = bytes[0] === 0x49;
    const magic = le ? bytes[2] | (bytes[3] << 8) : (bytes[2] << 8) | bytes[3];
    if (magic === 42 || magic === 43) return 'tiff';
  }
  if (isPng(bytes)) return 'png';
  if (isJpeg(bytes)) return 'jpeg';
  return undefined;
}

const EXTENSION_FORMAT: Record<string, ImageFormat> = {
  tif: 'tiff', tiff: 'tiff', flex: 'tiff', png: 'png', jpg: 'jpeg', jpeg: 'jpeg',
};

function extensionOf(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? name;
  const dot = base.lastIndexOf('.');
  return dot < 0 ? base.toLowerCase() : base.slice(dot + 1).toLowerCase();
}

/** Min and max over finite values: NaN (and +-Inf) in float images must not poison the display
 *  range. An image with no finite value gets [0, 0]. */
export function finiteRange(a: NdArray): { min: number; max: number } {
  const d = a.data;
  let min = Infinity;
  let max = -Infinity;
  if (isIntegerDType(a.dtype) && !(d instanceof BigInt64Array || d instanceof BigUint64Array)) {
    const n = d as Exclude<typeof d, BigInt64Array | BigUint64Array>;
    for (let i = 0; i < n.length; i++) {
      const v = n[i];
      if (v < min) min = v;
      if (v > max) max = v;
    }
  } else {
    for (let i = 0; i < d.length; i++) {
      const v = getNumber(a, i);
      if (!Number.isFinite(v)) continue;
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  return min <= max ? { min, max } : { min: 0, max: 0 };
}

export async function decodeImage(bytes: Uint8Array, opts: DecodeImageOptions = {}): Promise<ImageStack> {
  if (bytes.length === 0) throw new FormatError('file is empty');
  const maxDecodedBytes = opts.maxDecodedBytes ?? DEFAULT_MAX_DECODED_BYTES;
  const format = sniffFormat(bytes);
  if (!format) {
    const ext = opts.nameHint ? extensionOf(opts.nameHint) : '';
    const head = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
    // a known extension with the wrong bytes is a damaged file; any other is a format we do not read
    const why = !ext ? '' : Object.hasOwn(EXTENSION_FORMAT, ext) ? `; the file is named .${ext} but its contents are not, so it is damaged or mislabelled` : `; .${ext} files are not supported`;
    throw new FormatError(`not a TIFF, PNG or JPEG image (starts with bytes ${head})${why}`);
  }
  const warnings: string[] = [];
  if (opts.nameHint) {
    const ext = extensionOf(opts.nameHint);
    const expected = EXTENSION_FORMAT[ext];
    if (expected && expected !== format) {
      warnings.push(`file is a ${format.toUpperCase()} although named .${ext}; decoded as ${format.toUpperCase()}`);
    }
  }

  let raw: NdArray;
  let metadataLetters: AxisLetter[] | undefined;
  let samplesPerPixel = 1;
  if (format === 'tiff') {
    const t = await decodeTiff(bytes, { maxDecodedBytes, inflate: opts.inflate });
    raw = t.array;
    metadataLetters = t.letters;
    samplesPerPixel = t.samplesPerPixel;
    warnings.push(...t.warnings);
  } else {
    const r = format === 'png' ? decodePng(bytes, maxDecodedBytes) : decodeJpeg(bytes, maxDecodedBytes);
    raw = r.array;
    // A colour PNG/JPEG's last axis is its colour channels, never Z.
    samplesPerPixel = raw.shape.length === 3 ? raw.shape[2] : 1;
    warnings.push(...r.warnings);
  }

  // Cellpose moves a given channel_axis or z_axis only in arrays of more than two dimensions: a 2-D
  // (Y, X) image gets a trailing channel axis whatever the flags say (transforms.convert_image,
  // ALGORITHMS 2.1 step 3), so a script that passes --channel_axis -1 over a folder of gray and RGB
  // images segments the gray ones too. Applied here, the flag would make X the channel axis.
  let axesOverride = opts.axes;
  if (axesOverride && raw.shape.length === 2) {
    const given = [axesOverride.channelAxis != null ? `channel axis ${axesOverride.channelAxis}` : '', axesOverride.zAxis != null ? `z axis ${axesOverride.zAxis}` : ''].filter(Boolean);
    if (given.length > 0) {
      warnings.push(`image is 2-D (${raw.shape.join(' x ')}): the ${given.join(' and ')} given is ignored, as Cellpose ignores these flags for 2-D images`);
      axesOverride = undefined;
    }
  }
  const assignment = assignAxes(raw.shape, { fromMetadata: metadataLetters, samplesPerPixel }, axesOverride);
  if (assignment.source === 'metadata' && metadataLetters) {
    const tIndex = metadataLetters.indexOf('T');
    if (tIndex >= 0 && assignment.axes[tIndex] === 'Z') warnings.push(`time axis (T=${raw.shape[tIndex]}) is read as Z, as Cellpose would`);
  }
  if (assignment.ambiguous) {
    const zOnly = assignment.axes.includes('Z') && !assignment.axes.includes('C');
    const doubt = zOnly ? 'these few planes may be channels rather than Z' : 'a stack of few planes may be Z rather than channels';
    warnings.push(`axes guessed as ${assignment.description}; ${doubt} (set the axes explicitly if so)`);
  }
  const data = reorderToZYXC(raw, assignment);
  const [nZ, height, width, nChannels] = data.shape;
  const { min, max } = finiteRange(data);
  return {
    data,
    nZ,
    height,
    width,
    nChannels,
    dtype: data.dtype,
    assignment,
    format,
    minValue: min,
    maxValue: max,
    warnings,
  };
}
