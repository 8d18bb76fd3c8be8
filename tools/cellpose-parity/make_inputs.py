"""Input images of the parity cases, made from ../shared (real microscopy images and fixtures).

usage: python3 make_inputs.py SHARED_DIR OUT_DIR
"""
import glob
import os
import sys

import numpy as np
import tifffile
from PIL import Image

shared, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
img2d = tifffile.imread(f'{shared}/fixtures/cellpose/cli2d/img2d.tif')
tifffile.imwrite(f'{out}/img2d.tif', img2d)
tifffile.imwrite(f'{out}/mosaic1024.tif', np.tile(img2d, (2, 2)))
hist = sorted(glob.glob(f'{shared}/data/dsb2018-stage1-brightfield-histology/images/*'))
Image.open(hist[0]).save(f'{out}/hist_rgb.png')
big = [f for f in hist if np.array(Image.open(f)).shape == (1024, 1024)][0]
Image.open(big).save(f'{out}/hist1024.png')
fluo = sorted(glob.glob(f'{shared}/data/dsb2018-stage1-fluorescence/images/*'))
a = np.array(Image.open(fluo[5]).convert('L'))
b = np.array(Image.open(fluo[9]).convert('L'))
h, w = min(a.shape[0], b.shape[0]), min(a.shape[1], b.shape[1])
# (C, Y, X): one image's nuclei in channel 1, another image in channel 3
chw = np.stack([a[:h, :w], np.zeros((h, w), np.uint8), b[:h, :w]]).astype(np.uint16) * 200
tifffile.imwrite(f'{out}/chw3.tif', chw)
stack = tifffile.imread(f'{shared}/fixtures/cellpose/cli3d/stack3d.tif')
tifffile.imwrite(f'{out}/stack3d.tif', stack)
# odd, non-square sizes (padding on both sides), and an image smaller than one 224 tile
tifffile.imwrite(f'{out}/odd.tif', img2d[:453, 5:420])
tifffile.imwrite(f'{out}/tiny.tif', img2d[200:300, 100:160])
tifffile.imwrite(f'{out}/odd3d.tif', stack[:13, :91, 3:80])
# few planes without axis metadata: 4 are channels, 7 are Z for Cellpose 3.1's CLI (smallest dim > 5)
tifffile.imwrite(f'{out}/planes4.tif', stack[:4])
tifffile.imwrite(f'{out}/planes7.tif', stack[:7])
# 4-D and 5-D stacks without ImageJ axes (tifffile's own shape metadata only)
zc_plain = np.stack([stack, stack[:, ::-1] // 2], axis=1)
tifffile.imwrite(f'{out}/zcyx_plain.tif', zc_plain)
tifffile.imwrite(f'{out}/czyx_plain.tif', np.ascontiguousarray(zc_plain.transpose(1, 0, 2, 3)))
tifffile.imwrite(f'{out}/zyxc3.tif', np.ascontiguousarray(np.stack([stack, stack // 2, stack[:, ::-1]], -1)))
tifffile.imwrite(f'{out}/squeeze5d.tif', stack[None, :, None])
# other sample types: int32, float64, uint32, float16
tifffile.imwrite(f'{out}/t_i32.tif', img2d.astype(np.int32) - 3000)
tifffile.imwrite(f'{out}/t_f64.tif', img2d.astype(np.float64) / 3.3)
tifffile.imwrite(f'{out}/t_u32.tif', img2d.astype(np.uint32) * 70000)
tifffile.imwrite(f'{out}/t_f16.tif', (img2d / 100).astype(np.float16))
zc = np.stack([stack, stack // 2], axis=1).astype(np.uint16) * 100
tifffile.imwrite(f'{out}/zcyx.tif', zc, imagej=True, metadata={'axes': 'ZCYX'})
for k in (3, 40, 77):
    Image.open(fluo[k]).save(f'{out}/fluo{k}.png')
tifffile.imwrite(f'{out}/big3584.tif', np.tile(img2d, (7, 7)))
# file variants: PNG gray 8/16-bit, gray+alpha, palette, RGBA; TIFF (Y, X, 2), (2, Y, X), float32, RGB
crop = img2d[:256, :256]
g8 = (crop.astype(np.float32) / crop.max() * 255).astype(np.uint8)
Image.fromarray(g8).save(f'{out}/p_gray8.png')
Image.fromarray(crop.astype(np.uint16) * 250).save(f'{out}/p_gray16.png')
Image.fromarray(g8, 'L').convert('LA').save(f'{out}/p_la.png')
Image.fromarray(g8).convert('P').save(f'{out}/p_palette.png')
Image.fromarray(np.stack([g8, g8 // 2, 255 - g8, np.full_like(g8, 200)], -1), 'RGBA').save(f'{out}/p_rgba.png')
c16 = crop.astype(np.uint16)
tifffile.imwrite(f'{out}/t_yx2.tif', np.stack([c16 * 100, c16[::-1] * 50], -1))
tifffile.imwrite(f'{out}/t_2yx.tif', np.stack([c16 * 100, c16[::-1] * 50], 0))
# two channels, the second empty: what a gray-trained model expects of channels=None (--all_channels)
tifffile.imwrite(f'{out}/t_yx2z.tif', np.stack([c16 * 100, np.zeros_like(c16)], -1))
tifffile.imwrite(f'{out}/t_f32.tif', crop.astype(np.float32) / 7.0 - 3)
tifffile.imwrite(f'{out}/t_rgb.tif', np.stack([crop, crop // 2, crop[::-1]], -1).astype(np.uint8), photometric='rgb')
# edge cases: an image smaller than one padded tile, one only 8 px high, an empty and a constant
# image, a binary one, and a 16-bit RGB TIFF
tifffile.imwrite(f'{out}/small24.tif', img2d[100:124, 200:224])
tifffile.imwrite(f'{out}/thin.tif', img2d[:8, :300])
tifffile.imwrite(f'{out}/zeros.tif', np.zeros((128, 128), np.uint16))
tifffile.imwrite(f'{out}/const.tif', np.full((128, 128), 100, np.uint16))
tifffile.imwrite(f'{out}/binary.tif', ((img2d > np.percentile(img2d, 80)) * 255).astype(np.uint8))
tifffile.imwrite(f'{out}/rgb16.tif', np.stack([img2d, img2d // 2, img2d[::-1]], -1).astype(np.uint16), photometric='rgb')
# TIFF layouts: planar (separate) RGB, float32 RGB, three pages without axis metadata
g8full = (img2d.astype(np.float32) / img2d.max() * 255).astype(np.uint8)
tifffile.imwrite(f'{out}/t_planar.tif', np.stack([g8full, g8full // 2, 255 - g8full], 0), photometric='rgb', planarconfig='separate')
f32 = img2d.astype(np.float32)
tifffile.imwrite(f'{out}/t_frgb.tif', np.stack([f32, f32 / 2, f32.max() - f32], -1))
tifffile.imwrite(f'{out}/t_3pages.tif', np.stack([g8full, g8full[::-1], g8full[:, ::-1]], 0))
# JPEGs (Pillow, libjpeg-turbo): grey, colour with Pillow's default 4:2:0 chroma, and progressive
# 4:2:2 colour made of the histology image
Image.fromarray(g8full).save(f'{out}/j_grey.jpg', quality=92)
Image.fromarray(np.stack([g8full, g8full[::-1] // 2, 255 - g8full[:, ::-1]], -1)).save(f'{out}/j_colour.jpg', quality=90)
Image.open(hist[0]).convert('RGB').save(f'{out}/j_hist_prog.jpg', quality=85, progressive=True, subsampling=1)
# a TIFF page of 6 samples per pixel: Cellpose reads (Y, X, 6) and guesses Z from the shape
c6 = img2d[:200, :240]
tifffile.imwrite(f'{out}/t_yx6.tif', np.stack([c6, c6[::-1], c6[:, ::-1], c6 // 2, c6[::-1, ::-1], c6], -1), planarconfig='contig', photometric='minisblack')
# real data files as they are (PNG, 8-bit gray or RGB, sizes 256² to 1272 x 603): 16 drawn at
# random (seed 23) from the two DSB sets, named <case>.png, so the decoders see the data unchanged
real_ids = {
    'fluorescence': ['f6b16c88', 'd32ea6d3', 'fadeb0ab', '4d09672b', 'eeb14234', 'dec1764c', '1609b1b8', '0402a81e', 'a102535b', '516a0e20'],
    'brightfield-histology': ['65c8527c', '589f86de', '7f388855', '54793624', '1ec74a26', 'af576e8e'],
}
k = 0
for kind, ids in real_ids.items():
    for rid in ids:
        src = glob.glob(f'{shared}/data/dsb2018-stage1-{kind}/images/{rid}*.png')[0]
        with open(src, 'rb') as fi, open(f'{out}/{"f" if kind == "fluorescence" else "h"}{k}_{rid}.png', 'wb') as fo:
            fo.write(fi.read())
        k += 1
