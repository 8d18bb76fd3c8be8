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
zc = np.stack([stack, stack // 2], axis=1).astype(np.uint16) * 100
tifffile.imwrite(f'{out}/zcyx.tif', zc, imagej=True, metadata={'axes': 'ZCYX'})
for k in (3, 40, 77):
    Image.open(fluo[k]).save(f'{out}/fluo{k}.png')
tifffile.imwrite(f'{out}/big3584.tif', np.tile(img2d, (7, 7)))
