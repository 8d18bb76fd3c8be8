// Channel conversion to the network's input channels (ALGORITHMS.md 2.1, v3.x convert_image).
// The image reader already gives (Z, Y, X, C) with explicit axes, so none of Cellpose's axis
// guessing is repeated here; only the channel selection rules are.
import type { ImageStack } from '../io/image-types.ts';
import { getNumber } from '../array/ndarray.ts';

/** [chan, chan2], 1-based into the image's channels; 0 = gray (first) / none (second). */
export type ChannelPair = readonly [number, number];

/**
 * Returns float32 (nZ, Y, X, nchan).
 * - channels given: [0,n] -> [mean over all channels, zeros] for any n; [c,0] -> [img[c-1], zeros];
 *   [c,n] -> [img[c-1], img[n-1]]. That makes 2 channels; a model with another nchan gets the first
 *   nchan of those (zero-filled above 2), as Cellpose pads/crops to nchan.
 * - a one-channel image is [gray, zeros] whatever channels are given: Cellpose 3.1's
 *   transforms.reshape checks the channel count before it looks at `channels`, so a script that
 *   runs `--chan 2 --chan2 1` over a folder segments its gray images as gray instead of failing.
 *   An index beyond a multi-channel image is an error (Cellpose fails there with an IndexError).
 * - channels null (CellposeModel default): the first nchan image channels, zero-filled.
 */
/** Whether a [chan, chan2] pair puts an image channel into the network's second input: only with
 *  chan2 > 0 and chan > 0. Gray (chan 0) ignores chan2, as Cellpose 3.1's reshape takes the mean of
 *  all channels and appends zeros whatever chan2 says (parity case rgb_gray_chan2, --chan 0 --chan2
 *  1 on RGB). A one-channel image never fills it either (convertChannels). */
export function usesSecondChannel(channels: ChannelPair): boolean {
  return channels[0] > 0 && channels[1] > 0;
}

export function convertChannels(image: ImageStack, channels: ChannelPair | null, nchan: number): Float32Array {
  const { nZ, height, width, nChannels } = image;
  const nPix = nZ * height * width;
  const src = image.data;
  if (src.data.length !== nPix * nChannels) {
    throw new RangeError(`image data has ${src.data.length} values, expected ${nZ}x${height}x${width}x${nChannels}`);
  }
  const out = new Float32Array(nPix * nchan);
  const f = src.data instanceof BigInt64Array || src.data instanceof BigUint64Array ? null : (src.data as ArrayLike<number>);
  const val = f ? (i: number) => f[i] : (i: number) => getNumber(src, i);
  // The source channel for each output channel: -1 = zeros, -2 = mean of all channels.
  const pick: number[] = [];
  if (channels) {
    const [c1, c2] = channels;
    const second = usesSecondChannel(channels);
    // an unused chan2 (with gray) is checked for its form only: Cellpose never indexes it
    for (const [c, indexed] of [[c1, true], [c2, second]] as const) {
      if (!Number.isInteger(c) || c < 0 || (indexed && c > nChannels && nChannels > 1)) {
        throw new RangeError(`channel ${c} is out of range: the image has ${nChannels} channel(s) (use 0 for gray/none)`);
      }
    }
    if (nChannels === 1) pick.push(0, -1);
    else pick.push(c1 === 0 ? -2 : c1 - 1, second ? c2 - 1 : -1);
  } else {
    for (let k = 0; k < Math.min(nchan, nChannels); k++) pick.push(k);
  }
  while (pick.length < nchan) pick.push(-1);
  for (let k = 0; k < nchan; k++) {
    const s = pick[k];
    if (s === -1) continue;
    if (s === -2) {
      // the mean is taken in float32 after the cast, as numpy's mean of a float32 array
      for (let p = 0; p < nPix; p++) {
        let acc = 0;
        for (let c = 0; c < nChannels; c++) acc += Math.fround(val(p * nChannels + c));
        out[p * nchan + k] = acc / nChannels;
      }
    } else {
      for (let p = 0; p < nPix; p++) out[p * nchan + k] = val(p * nChannels + s);
    }
  }
  // In Cellpose a NaN or infinite pixel makes the flows of every tile that holds it NaN (through
  // the tile's style vector, a mean over the tile), and those tiles find no masks; here it is a
  // clear error before any work starts
  for (let i = 0; i < out.length; i++) {
    if (!Number.isFinite(out[i])) {
      if (Number.isNaN(out[i])) throw new RangeError('image contains NaN values');
      throw new RangeError(`image contains infinite values (${out[i] > 0 ? '+' : '-'}inf at pixel ${Math.floor(i / nchan)})`);
    }
  }
  return out;
}
