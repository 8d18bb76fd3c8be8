"""Writes TIFFs in many layouts with tifffile (and Pillow/libtiff for LZW/PackBits), from the real
StarDist sample image, plus the array a reader must return for each, reordered to (Z, Y, X, C).

Usage: python3 make_tiffs.py <source.tif> <out_dir>
Writes <out_dir>/<name>.tif, <out_dir>/<name>.bin (expected values, C order, little-endian) and
<out_dir>/manifest.json. The expected values come from tifffile.imread of the written file (an
independent reader); for LZW, which this tifffile cannot decode without imagecodecs, from the
array handed to libtiff.
"""
import json
import sys

import numpy as np
import tifffile
from PIL import Image

src_path, out = sys.argv[1], sys.argv[2]
img = tifffile.imread(src_path)  # uint16 512x512, values 0..235
crop = img[100:164, 200:280].astype(np.int64)  # 64 x 80, real content
cases = []


def zyxc(arr, axes):
    """Reorder an array with the given axis letters to (Z, Y, X, C), adding missing axes."""
    a = arr
    letters = list(axes)
    for need in "ZC":
        if need not in letters:
            a = a[np.newaxis] if need == "Z" else a[..., np.newaxis]
            letters = ([need] + letters) if need == "Z" else (letters + [need])
    order = [letters.index(c) for c in "ZYXC"]
    return np.ascontiguousarray(np.transpose(a, order))


def add(name, data, axes, kind="tifffile", oracle=None, source="guess", ambiguous=False, read_as=None, **kw):
    path = f"{out}/{name}.tif"
    if kind == "tifffile":
        tifffile.imwrite(path, data, **kw)
        read = tifffile.imread(path)
    else:
        Image.fromarray(data).save(path, **kw)
        read = oracle if oracle is not None else tifffile.imread(path)
    assert read.shape == data.shape, (name, read.shape, data.shape)
    expected = zyxc(read, axes)
    if read_as is not None:  # 64-bit integers come back narrowed; the values must not change
        assert np.array_equal(expected.astype(read_as).astype(expected.dtype), expected, equal_nan=expected.dtype.kind == 'f'), name
        expected = expected.astype(read_as)
    le = expected.astype(expected.dtype.newbyteorder("<"))
    le.tofile(f"{out}/{name}.bin")
    cases.append(dict(name=name, shape=list(expected.shape), dtype=str(expected.dtype.newbyteorder("=").name),
                      axes=axes, source=source, ambiguous=ambiguous))


u8 = crop.astype(np.uint8)
u16 = (crop * 250).astype(np.uint16)
add("u8_strips", u8, "YX")
add("u16_zlib", u16, "YX", compression="zlib")
add("u32_tiled", (crop * 100000).astype(np.uint32), "YX", tile=(16, 32))
add("i16_tiled_zlib", (crop - 100).astype(np.int16), "YX", tile=(32, 16), compression="zlib")
f32 = (crop / 7.0).astype(np.float32)
f32[3, 5] = np.nan
f32[10, 11] = -np.inf
add("f32_nan_strips", f32, "YX", rowsperstrip=7)
add("i8", (crop - 128).clip(-128, 127).astype(np.int8), "YX")
add("i32_zlib", (crop * -70000).astype(np.int32), "YX", compression="zlib")
add("f64", (crop / 3.0).astype(np.float64), "YX")
add("u16_predictor_zlib", u16, "YX", compression="zlib", predictor=True)
add("u16_bigendian", u16, "YX", byteorder=">")
add("f32_bigendian_tiled", (crop / 9.0).astype(np.float32), "YX", byteorder=">", tile=(16, 16))
add("u16_bigtiff", u16, "YX", bigtiff=True)
add("u16_packbits_pillow", u16, "YX", kind="pil", compression="packbits")
# 64-bit integers (numpy's default for label images): narrowed to the smallest type that holds them.
add("i64_labels", crop, "YX", read_as=np.uint32)
add("i64_negative_zlib", crop * -70000, "YX", read_as=np.int32, compression="zlib")
# Half floats, widened to float32 (exactly), with NaN, infinities, a subnormal and negative zero.
f16 = (crop / 7.0 - 10).astype(np.float16)
f16[0, :4] = [np.nan, np.inf, -np.inf, np.float16(2.0**-20)]
f16[1, 0] = -0.0
add("f16", f16, "YX", read_as=np.float32)
add("f16_bigendian_zlib", f16, "YX", read_as=np.float32, byteorder=">", compression="zlib")
# 1-bit pages (bool in tifffile): rows padded to whole bytes (75 columns), read as 0/1.
add("bool_tifffile", np.ascontiguousarray(crop[:, :75] > 120), "YX", read_as=np.uint8)
add("bool_stack_tifffile", np.stack([crop[:, :75] > t for t in range(20, 240, 20)]), "ZYX", read_as=np.uint8)
add("bool_packbits_pillow", np.ascontiguousarray(crop[:, :75] > 120), "YX", kind="pil", read_as=np.uint8, compression="packbits")
add("u64_bigendian", (crop * 2**40).astype(np.uint64), "YX", read_as=np.float64, byteorder=">")

# Z stacks: pages of shifted crops of the real image.
stack = np.stack([img[100 + 3 * z:164 + 3 * z, 200:280] for z in range(12)]).astype(np.uint16)
add("z12_shaped", stack, "ZYX")
add("z12_tiled_zlib", stack, "ZYX", tile=(32, 32), compression="zlib")
add("z5_as_channels", stack[:5], "CYX", ambiguous=True)
add("z7_as_z", stack[:7], "ZYX", ambiguous=True)  # > 5 planes: Z, as Cellpose 3.1's CLI reads them
# ImageJ hyperstacks and OME-TIFF: axes come from the metadata.
zc = np.stack([stack[:6], stack[6:12] // 2], axis=1)  # (6, 2, 64, 80)
add("imagej_zcyx", zc, "ZCYX", source="metadata", imagej=True, metadata={"axes": "ZCYX"})
add("imagej_tcyx", zc[:3], "ZCYX", source="metadata", imagej=True, metadata={"axes": "TCYX"})
add("ome_zcyx", zc, "ZCYX", source="metadata", ome=True, metadata={"axes": "ZCYX"})
add("ome_czyx", np.ascontiguousarray(zc.transpose(1, 0, 2, 3)), "CZYX", source="metadata", ome=True, metadata={"axes": "CZYX"})
add("ome_zyx_zlib", stack, "ZYX", source="metadata", ome=True, metadata={"axes": "ZYX"}, compression="zlib")
# Colour.
rgb = np.stack([u8, (crop // 2).astype(np.uint8), (255 - crop).astype(np.uint8)], axis=-1)
add("rgb_contig", rgb, "YXC", photometric="rgb")
# tifffile holds separate planes as (S, Y, X); we return samples last like any RGB page.
add("rgb_planar", np.ascontiguousarray(rgb.transpose(2, 0, 1)), "CYX", photometric="rgb", planarconfig="separate")
add("rgb_lzw_pillow", rgb, "YXC", kind="pil", oracle=rgb, compression="tiff_lzw")
add("u8_lzw_pillow", u8, "YX", kind="pil", oracle=u8, compression="tiff_lzw")
add("u16_lzw_pillow", u16, "YX", kind="pil", oracle=u16, compression="tiff_lzw")
add("rgb_stack", np.stack([rgb, rgb // 2, rgb // 3]), "ZYXC", photometric="rgb")

with open(f"{out}/manifest.json", "w") as f:
    json.dump(cases, f)
