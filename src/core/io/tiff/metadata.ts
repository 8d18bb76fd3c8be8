// The layout of a multi-page TIFF from the first page's ImageDescription: ImageJ hyperstacks,
// OME-XML, and tifffile's own JSON shape. Mirrors how tifffile builds the first "series" (which is
// what Cellpose's io.imread returns): ImageJ and OME series are squeezed of singleton axes,
// a tifffile-shaped series keeps the shape it was written with.
import type { AxisLetter } from '../image-types.ts';

export interface PageDim {
  /** Known axis, or null where the file gives a size but no meaning (tifffile JSON shape). */
  letter: AxisLetter | null;
  size: number;
}

export interface SeriesLayout {
  kind: 'imagej' | 'ome' | 'tifffile';
  /** The dimensions that pages are stacked along, slowest first; their product is the page count. */
  pageDims: PageDim[];
  /** Notes for the user (e.g. a time axis, further series ignored). */
  notes: string[];
}

const MAX_DIM = 1 << 30;

function positiveInt(s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  const n = Number(s.trim());
  return Number.isInteger(n) && n >= 1 && n <= MAX_DIM ? n : undefined;
}

/** ImageJ: "ImageJ=1.x\nimages=N\nchannels=C\nslices=Z\nframes=T\n...". Pages are ordered with
 *  C fastest, then Z, then T (ImageJ's hyperstack order), so the array is (T, Z, C, Y, X). */
export function parseImageJ(description: string): SeriesLayout | undefined {
  if (!description.startsWith('ImageJ=')) return undefined;
  const kv = new Map<string, string>();
  for (const line of description.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) kv.set(line.slice(0, eq).trim(), line.slice(eq + 1));
  }
  const images = positiveInt(kv.get('images')) ?? 1;
  const channels = positiveInt(kv.get('channels')) ?? 1;
  const slices = positiveInt(kv.get('slices')) ?? 1;
  const frames = positiveInt(kv.get('frames')) ?? 1;
  const notes: string[] = [];
  if (channels * slices * frames !== images) {
    // No hyperstack sizes (or inconsistent ones): ImageJ shows a plain stack; we guess its axes.
    if (images === 1) return { kind: 'imagej', pageDims: [], notes };
    notes.push(`ImageJ metadata sizes (channels=${channels}, slices=${slices}, frames=${frames}) do not multiply to images=${images}`);
    return { kind: 'imagej', pageDims: [{ letter: null, size: images }], notes };
  }
  const dims: PageDim[] = [
    { letter: 'T', size: frames },
    { letter: 'Z', size: slices },
    { letter: 'C', size: channels },
  ];
  return { kind: 'imagej', pageDims: dims.filter((d) => d.size > 1), notes };
}

function attr(tag: string, name: string): string | undefined {
  const m = new RegExp(`\\s${name}\\s*=\\s*"([^"]*)"`).exec(tag);
  return m ? m[1] : undefined;
}

/** OME-XML: the first <Image>'s <Pixels DimensionOrder SizeZ/C/T>. DimensionOrder lists axes
 *  fastest first (XYZCT: Z varies fastest across pages), so the array is (T, C, Z, Y, X).
 *  SizeC counts samples too: an RGB image has SizeC=3 and SamplesPerPixel=3 in one page. */
export function parseOme(description: string, samplesPerPixel: number): SeriesLayout | undefined {
  if (!description.includes('<OME') || !description.includes('<Pixels')) return undefined;
  const pixelsTag = /<(?:\w+:)?Pixels\b[^>]*>/.exec(description)?.[0];
  if (!pixelsTag) return undefined;
  const order = attr(pixelsTag, 'DimensionOrder') ?? 'XYZCT';
  if (!/^XY[ZCT]{3}$/.test(order) || new Set(order).size !== 5) return undefined;
  const sizeZ = positiveInt(attr(pixelsTag, 'SizeZ')) ?? 1;
  const sizeCAll = positiveInt(attr(pixelsTag, 'SizeC')) ?? 1;
  const sizeT = positiveInt(attr(pixelsTag, 'SizeT')) ?? 1;
  const sizeC = sizeCAll % samplesPerPixel === 0 ? sizeCAll / samplesPerPixel : sizeCAll;
  const size: Record<string, number> = { Z: sizeZ, C: sizeC, T: sizeT };
  const notes: string[] = [];
  const nImages = (description.match(/<(?:\w+:)?Image\b/g) ?? []).length;
  if (nImages > 1) notes.push(`OME-TIFF holds ${nImages} images (series); only the first is read`);
  const slowestFirst = order.slice(2).split('').reverse() as ('Z' | 'C' | 'T')[];
  const dims: PageDim[] = slowestFirst.map((l) => ({ letter: l, size: size[l] }));
  return { kind: 'ome', pageDims: dims.filter((d) => d.size > 1), notes };
}

/** tifffile's "shaped" series: ImageDescription '{"shape": [5, 2, 64, 64]}'. The trailing
 *  Y, X (and samples) are the page; the rest are page dims of unknown meaning. */
export function parseTifffileShape(description: string, height: number, width: number, samplesPerPixel: number): SeriesLayout | undefined {
  const t = description.trim();
  if (!t.startsWith('{') || !t.includes('"shape"')) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(t);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const shape = (parsed as Record<string, unknown>).shape;
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 1 && d <= MAX_DIM)) return undefined;
  const dims = shape as number[];
  const tail = samplesPerPixel > 1 ? [height, width, samplesPerPixel] : [height, width];
  if (dims.length < tail.length) return undefined;
  const page = dims.slice(dims.length - tail.length);
  if (page.some((d, i) => d !== tail[i])) return undefined;
  return { kind: 'tifffile', pageDims: dims.slice(0, dims.length - tail.length).map((size) => ({ letter: null, size })), notes: [] };
}
