"""Mosaics of one real image for the GPU check: SIZE x SIZE tiles of the source image, each tile
flipped by its position so that no two neighbours are the same, written twice per size (a_ and
b_, the second transposed) so that one `segment --dir` process times a cold and a warm run.

usage: python3 make_images.py SOURCE.tif OUT_DIR SIZE [SIZE ...]
Writes OUT_DIR/<SIZE>/a_<SIZE>.tif and b_<SIZE>.tif (uint16, 2-D). The SIZE `s3d` instead writes
two pseudo-3-D stacks (Z=24, 256 x 256; ZYX): plane z is a 256 px crop of the source moved z pixels
to the right, dimmed away from the middle plane, so that each nucleus is a tilted column a few
planes thick at full brightness (a_ from the top-left corner, b_ from the middle of the source).
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


def stack(src, y0, x0, planes=24, side=256):
    out = np.zeros((planes, side, side), np.float64)
    for z in range(planes):
        weight = np.exp(-0.5 * ((z - planes / 2) / (planes / 4)) ** 2)
        out[z] = src[y0:y0 + side, x0 + z:x0 + z + side] * weight
    return np.round(out).astype(src.dtype)


def main():
    src = tifffile.imread(sys.argv[1])
    if src.ndim != 2:
        raise SystemExit(f"{sys.argv[1]}: expected a 2-D image, got shape {src.shape}")
    for arg in sys.argv[3:]:
        if arg == "s3d":
            d = os.path.join(sys.argv[2], arg)
            os.makedirs(d, exist_ok=True)
            tifffile.imwrite(os.path.join(d, "a_s3d.tif"), stack(src, 0, 0))
            tifffile.imwrite(os.path.join(d, "b_s3d.tif"), stack(src, 128, 100))
            continue
        size = int(arg)
        d = os.path.join(sys.argv[2], str(size))
        os.makedirs(d, exist_ok=True)
        m = mosaic(src, size)
        tifffile.imwrite(os.path.join(d, f"a_{size}.tif"), m)
        tifffile.imwrite(os.path.join(d, f"b_{size}.tif"), np.ascontiguousarray(m.T))


if __name__ == "__main__":
    main()
