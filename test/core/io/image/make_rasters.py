"""Reference values for the real PNG/TIFF files in /work/shared, read with tifffile and Pillow, and
PNG/JPEG variants (palette, grey+alpha, RGBA, 1-bit, JPEG) made with Pillow from real images.

Usage: python3 make_rasters.py <out_dir> <name>=<path> ...
For every input writes <out>/<name>.bin (the values as Cellpose would read them, C order,
little-endian); made files are written as <out>/<name>.png|.jpg next to their .bin.
Prints a JSON object {name: {"shape": [...], "dtype": "..."}}.
"""
import json
import sys

import numpy as np
import tifffile
from PIL import Image

out = sys.argv[1]
info = {}


def save(name, arr):
    arr = np.ascontiguousarray(arr)
    arr.astype(arr.dtype.newbyteorder("<")).tofile(f"{out}/{name}.bin")
    info[name] = dict(shape=list(arr.shape), dtype=arr.dtype.name)


def pil_array(path):
    im = Image.open(path)
    if im.mode in ("I;16", "I;16B", "I"):
        return np.array(im).astype(np.uint16)
    if im.mode == "RGBA":
        return np.array(im)[..., :3]
    if im.mode == "LA":
        return np.array(im)[..., 0]
    if im.mode == "P":
        return np.array(im.convert("RGB"))
    if im.mode == "1":
        return np.array(im.convert("L"))
    return np.array(im)


for arg in sys.argv[2:]:
    name, path = arg.split("=", 1)
    if path.endswith(".tif"):
        save(name, tifffile.imread(path))
    else:
        save(name, pil_array(path))
    if name == "histology":
        rgb = np.array(Image.open(path).convert("RGB"))
        # Variants a user could have: palette, RGBA with a real alpha, grey+alpha, 1-bit, JPEG.
        Image.fromarray(rgb).convert("P", palette=Image.ADAPTIVE, colors=64).save(f"{out}/palette.png")
        save("palette", pil_array(f"{out}/palette.png"))
        alpha = (np.arange(rgb.shape[1])[None, :].repeat(rgb.shape[0], 0) % 256).astype(np.uint8)
        Image.fromarray(np.dstack([rgb, alpha])).save(f"{out}/rgba.png")
        save("rgba", rgb)
        Image.fromarray(rgb).save(f"{out}/colour.jpg", quality=92)
        save("colour_jpg", np.array(Image.open(f"{out}/colour.jpg")))
    if name == "fluo":
        grey = pil_array(path)
        Image.fromarray(np.dstack([grey, np.full_like(grey, 255)]), mode="LA").save(f"{out}/grey_alpha.png")
        save("grey_alpha", grey)
        Image.fromarray(grey > 40).save(f"{out}/bilevel.png")
        save("bilevel", pil_array(f"{out}/bilevel.png"))
        Image.fromarray(grey).save(f"{out}/grey.jpg", quality=95)
        save("grey_jpg", np.array(Image.open(f"{out}/grey.jpg")))

print(json.dumps(info))
