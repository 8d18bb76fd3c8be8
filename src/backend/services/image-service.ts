// openImage / openImageBytes: decode, remember the axis choice per file, find the _seg.npy.
import { randomUUID } from 'node:crypto';
import { access } from 'node:fs/promises';
import path from 'node:path';
import type { AxisOverride, ImageStack } from '../../core/io/image-types.ts';
import { decodeImage } from '../../core/io/decode-image.ts';
import { readImageFile } from '../io/read-image.ts';
import { segPathForImage } from '../seg/seg-files.ts';
import type { OpenedImage, OpenImageBytesRequest, OpenImageRequest } from '../../shared/contract.ts';
import type { SettingsStore } from '../settings/settings-store.ts';
import { toOpenedImage } from './opened-image.ts';
import { BadRequestError, namingFile, requireString } from './service-errors.ts';

async function existingSegPath(imagePath: string): Promise<string | null> {
  const p = segPathForImage(imagePath);
  try {
    await access(p);
    return p;
  } catch {
    return null;
  }
}

function checkAxes(method: string, axes: unknown): AxisOverride | undefined {
  if (axes === undefined || axes === null) return undefined;
  if (typeof axes !== 'object') throw new BadRequestError(method, '"axes" must be an object');
  const a = axes as Record<string, unknown>;
  for (const k of ['zAxis', 'channelAxis']) {
    const v = a[k];
    if (v !== undefined && v !== null && !(typeof v === 'number' && Number.isInteger(v) && v >= 0)) {
      throw new BadRequestError(method, `"axes.${k}" must be a non-negative integer or null`);
    }
  }
  return { zAxis: a.zAxis as number | null | undefined, channelAxis: a.channelAxis as number | null | undefined };
}

/** Images dropped into a browser have no path on the backend's disk; the last few are kept by id
 *  so they can be segmented. */
const MAX_DROPPED_IMAGES = 4;

export function createImageService(settings: SettingsStore) {
  const dropped = new Map<string, ImageStack>();
  return {
    /** A stack opened from bytes, by the id openImageBytes returned. */
    droppedImage(imageId: string): ImageStack | undefined {
      return dropped.get(imageId);
    },

    async openImage(req: OpenImageRequest): Promise<OpenedImage> {
      const file = path.resolve(requireString('openImage', req, 'path'));
      const given = checkAxes('openImage', req.axes);
      // An explicit choice wins and is remembered; otherwise reuse what the user chose last time.
      const axes = given ?? (await settings.axisOverrideFor(file));
      const stack = await namingFile(file, () => readImageFile(file, { axes }));
      const opened = toOpenedImage(stack, { path: file, name: path.basename(file), segPath: await existingSegPath(file) });
      if (given) await settings.rememberAxisOverride(file, given);
      // The web file picker and the next session start where the user last opened an image.
      await settings.update({ lastFolder: path.dirname(file) });
      return opened;
    },

    async openImageBytes(req: OpenImageBytesRequest): Promise<OpenedImage> {
      const name = requireString('openImageBytes', req, 'name');
      if (!(req.bytes instanceof ArrayBuffer)) throw new BadRequestError('openImageBytes', '"bytes" must be an ArrayBuffer');
      const axes = checkAxes('openImageBytes', req.axes);
      const stack = await namingFile(name, () => decodeImage(new Uint8Array(req.bytes), { nameHint: name, axes }));
      const imageId = randomUUID();
      dropped.set(imageId, stack);
      for (const k of dropped.keys()) if (dropped.size > MAX_DROPPED_IMAGES) dropped.delete(k);
      return { ...toOpenedImage(stack, { path: '', name: path.basename(name), segPath: null }), imageId };
    },
  };
}
