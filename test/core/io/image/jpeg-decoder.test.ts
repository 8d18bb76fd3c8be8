// The JPEG decoder against libjpeg-turbo, the decoder behind OpenCV's imread and so behind Cellpose:
// every layout in test/fixtures/jpeg (made by cjpeg and OpenCV from a real image) must decode to
// Pillow's pixels exactly (Pillow uses the same libjpeg-turbo with the same defaults: islow IDCT,
// fancy upsampling). The layouts Pillow can write (4:2:0, 4:2:2, 4:4:4, progressive, grey) are
// checked the same way in decode-real-data.test.ts and here on odd sizes.
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeImage } from '../../../../src/core/io/decode-image.ts';
import { DATA, bytesOf, fileBytes, firstDifference, py, tempDir } from './helpers.ts';

const FIXTURE_DIR = join(import.meta.dirname, '..', '..', '..', 'fixtures', 'jpeg');
const HISTO = `${DATA}/dsb2018-stage1-brightfield-histology/images/00ae65c1c6631ae6f2be1a449902976e6eb8483bf6b0740d00530220832c6d3e.png`;

/** Pillow's decoding of each file, as raw bytes in OUT/<name>.bin; returns {name: shape}. */
function pillowDecode(files: string[], out: string): Record<string, number[]> {
  const code = `
import json, sys, numpy as np
from PIL import Image
out, shapes = sys.argv[1], {}
for f in sys.argv[2:]:
    a = np.ascontiguousarray(np.array(Image.open(f)))
    a.tofile(out + '/' + f.split('/')[-1] + '.bin')
    shapes[f.split('/')[-1]] = list(a.shape)
print(json.dumps(shapes))
`;
  return JSON.parse(py(code, out, ...files)) as Record<string, number[]>;
}

async function expectSameAsPillow(files: string[]): Promise<void> {
  const out = tempDir('jpeg-ref');
  const shapes = pillowDecode(files, out);
  for (const f of files) {
    const name = f.split('/').pop() as string;
    const img = await decodeImage(fileBytes(f), { nameHint: f });
    const shape = shapes[name];
    expect([img.height, img.width, img.nChannels], name).toEqual([shape[0], shape[1], shape[2] ?? 1]);
    expect(firstDifference(bytesOf(img.data), fileBytes(join(out, `${name}.bin`))), name).toBe(-1);
  }
}

describe('JPEG decoding, pixel for pixel as libjpeg-turbo', () => {
  const fixtures = readdirSync(FIXTURE_DIR).filter((f) => f.endsWith('.jpg') && f !== 'arithmetic.jpg');

  it('sampling 4:4:0, 4:1:1, 3x1, mixed factors, RGB components, restarts, progressive with restarts', async () => {
    expect(fixtures.length).toBe(8);
    await expectSameAsPillow(fixtures.map((f) => join(FIXTURE_DIR, f)));
  });

  it('Pillow-written 4:2:0, 4:2:2, 4:4:4, progressive and grey files of odd sizes, down to 5 x 6 and 3 px wide', async () => {
    const dir = tempDir('jpeg-odd');
    const made = py(
      `
import sys, numpy as np
from PIL import Image
d, src = sys.argv[1], sys.argv[2]
a = np.array(Image.open(src).convert('RGB'))
cases = [('c420_odd', a[:101, :77], dict(quality=88)), ('c422_odd', a[:99, :83], dict(quality=88, subsampling=1)),
         ('c444_q100', a[:64, :50], dict(quality=100, subsampling=0)), ('c420_q30', a, dict(quality=30)),
         ('c420_prog', a[:70, :90], dict(quality=85, progressive=True)), ('tiny', a[:5, :6], dict(quality=90)),
         ('w3', a[:40, :3], dict(quality=90)), ('grey_odd', a[:53, :91, 1], dict(quality=70)),
         ('grey_prog', a[:, :, 0], dict(quality=60, progressive=True))]
for name, img, kw in cases:
    Image.fromarray(np.ascontiguousarray(img)).save(f'{d}/{name}.jpg', **kw)
print(' '.join(f'{d}/{n}.jpg' for n, _, _ in cases))
`,
      dir,
      HISTO,
    ).trim();
    await expectSameAsPillow(made.split(' '));
  });

  it('refuses an arithmetic-coded file and a truncated one with messages that say so', async () => {
    await expect(decodeImage(fileBytes(join(FIXTURE_DIR, 'arithmetic.jpg')), { nameHint: 'arithmetic.jpg' })).rejects.toThrow(/arithmetic-coded \(SOF9\), which is not supported/);
    const whole = fileBytes(join(FIXTURE_DIR, 's440.jpg'));
    const cut = join(tempDir('jpeg-cut'), 'cut.jpg');
    writeFileSync(cut, whole.subarray(0, Math.floor(whole.length * 0.6)));
    await expect(decodeImage(fileBytes(cut), { nameHint: cut })).rejects.toThrow(/JPEG is truncated or corrupt: the image data ends before the last block/);
  });
});
