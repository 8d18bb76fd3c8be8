// Pan/zoom maths of the canvas (A.11).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  KEY_ZOOM_IN,
  KEY_ZOOM_OUT,
  fitTransform,
  imageToScreen,
  panBy,
  pixelAt,
  screenToImage,
  wheelZoomFactor,
  zoomAt,
} from '../../src/renderer/src/render/view-transform.ts';

describe('view transform', () => {
  it('full view fits a 512x512 image into 800x600, centred, aspect locked', () => {
    const t = fitTransform(512, 512, 800, 600);
    expect(t.scale).toBeCloseTo(600 / 512, 12);
    expect(t.offsetY).toBeCloseTo(0, 12);
    expect(t.offsetX).toBeCloseTo((800 - 600) / 2, 12);
    const corner = screenToImage(t, 800 - t.offsetX, 600);
    expect(corner.x).toBeCloseTo(512, 9);
    expect(corner.y).toBeCloseTo(512, 9);
  });

  it('wheel zoom keeps the image point under the cursor fixed', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.05, max: 50, noNaN: true }),
        fc.double({ min: -2000, max: 2000, noNaN: true }),
        fc.double({ min: -2000, max: 2000, noNaN: true }),
        fc.double({ min: 0, max: 1500, noNaN: true }),
        fc.double({ min: 0, max: 1000, noNaN: true }),
        fc.integer({ min: -600, max: 600 }),
        (scale, ox, oy, sx, sy, delta) => {
          const t = { scale, offsetX: ox, offsetY: oy };
          const before = screenToImage(t, sx, sy);
          const after = screenToImage(zoomAt(t, sx, sy, wheelZoomFactor(delta)), sx, sy);
          expect(after.x).toBeCloseTo(before.x, 6);
          expect(after.y).toBeCloseTo(before.y, 6);
        },
      ),
    );
  });

  it('pixelAt inverts imageToScreen for every pixel centre, after pans and zooms', () => {
    let t = fitTransform(300, 200, 640, 480);
    t = zoomAt(t, 100, 50, 3.7);
    t = panBy(t, -33.5, 12.25);
    for (const [x, y] of [
      [0, 0],
      [299, 199],
      [150, 17],
    ]) {
      const s = imageToScreen(t, x, y);
      expect(pixelAt(t, s.x, s.y)).toEqual({ x, y });
    }
  });

  it('zoom keys change magnification by 1/0.9 and 1/1.1 like Cellpose, wheel notches by ~1.35', () => {
    expect(KEY_ZOOM_IN).toBeCloseTo(1.1111, 4);
    expect(KEY_ZOOM_OUT).toBeCloseTo(0.9091, 4);
    expect(wheelZoomFactor(-120)).toBeCloseTo(Math.pow(1.02, 15), 10);
    expect(wheelZoomFactor(120) * wheelZoomFactor(-120)).toBeCloseTo(1, 12);
    // A runaway delta is clamped rather than zooming to infinity.
    expect(wheelZoomFactor(-1e9)).toBe(wheelZoomFactor(-600));
  });
});
