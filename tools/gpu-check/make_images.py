"""Mosaics of one real image for the GPU check: SIZE x SIZE tiles of the source image, each tile
flipped by its position so that no two neighbours are the same, written twice per size (a_ and
b_, the second transposed) so that one `segment --dir` process times a cold and a warm run.

usage: python3 make_images.py SOURCE.tif OUT_DIR SIZE [SIZE ...]
Writes OUT_DIR/<SIZE>/a_<SIZE>.tif and b_<SIZE>.tif (uint16, 2-D).
"""
import os
import sys

import numpy as np
import tifffile


def mosaic(src, size):
    h, w = src.shape
    out = np.zeros((size, size), src.dtype)
    for i, y in enumerate(range(0, size, h)):
        for j, x in enumerate(range(0, size, w)):
            tile = src[:, ::-1] if (i + j) % 2 else src
            tile = tile[::-1] if i % 2 else tile
            out[y:y + h, x:x + w] = tile[: size - y, : size - x]
    return out


def main():
    src = tifffile.imread(sys.argv[1])
    if src.ndim != 2:
        raise SystemExit(f"{sys.argv[1]}: expected a 2-D image, got shape {src.shape}")
    for size in map(int, sys.argv[3:]):
        d = os.path.join(sys.argv[2], str(size))
        os.makedirs(d, exist_ok=True)
        m = mosaic(src, size)
        tifffile.imwrite(os.path.join(d, f"a_{size}.tif"), m)
        tifffile.imwrite(os.path.join(d, f"b_{size}.tif"), np.ascontiguousarray(m.T))


if __name__ == "__main__":
    main()
