"""Copy the training data into a folder that can travel to a GPU machine with the repository.

A GPU machine gets a copy of the working tree (at most 64 MiB, the tracked files included, about
31 MB of them) and not ../shared. The two DSB sets take 36.5 MB as they are, too much together
with the repository, so the RGB brightfield/histology images are written as 8-bit gray: the
rounded mean over R, G and B, which is what training uses anyway ([0,0] channels: mean over the
channels, data_prep.to_gray_2chan): the mean of three integers is off a whole grey level by 0 or a third.
Everything else (gray images, masks, manifest.csv, PROVENANCE.md with the licence) is copied
byte for byte. The result has ../shared's layout: point CELLPOSE_STUDIO_SHARED at it.

Usage: /usr/bin/python3 tools/train/pack_data.py [--out .gpu]   (then carry .gpu; see README.md)
"""
import argparse
import os
import shutil
import sys

import numpy as np
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from train_cpnet import DATA, FLUO, HIST  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def folder_bytes(path: str) -> int:
    return sum(os.path.getsize(os.path.join(d, f)) for d, _s, fs in os.walk(path) for f in fs)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(HERE, "..", "..", ".gpu"))
    args = ap.parse_args()
    n_gray = 0
    for ds in (FLUO, HIST):
        src = os.path.join(DATA, ds)
        dst = os.path.join(args.out, "data", ds)
        for sub in ("images", "masks"):
            os.makedirs(os.path.join(dst, sub), exist_ok=True)
        for name in ("manifest.csv", "PROVENANCE.md"):
            shutil.copyfile(os.path.join(src, name), os.path.join(dst, name))
        for name in sorted(os.listdir(os.path.join(src, "masks"))):
            shutil.copyfile(os.path.join(src, "masks", name), os.path.join(dst, "masks", name))
        for name in sorted(os.listdir(os.path.join(src, "images"))):
            path = os.path.join(src, "images", name)
            with Image.open(path) as im:
                if im.mode == "L":
                    shutil.copyfile(path, os.path.join(dst, "images", name))
                    continue
                if im.mode != "RGB":
                    raise SystemExit(f"{path}: image mode {im.mode}, expected L or RGB")
                gray = np.rint(np.asarray(im, np.float32).mean(axis=-1)).astype(np.uint8)
            Image.fromarray(gray, "L").save(os.path.join(dst, "images", name), optimize=True)
            n_gray += 1
    total = folder_bytes(os.path.join(args.out, "data"))
    print(f"{os.path.abspath(args.out)}/data: {total / 1e6:.1f} MB ({n_gray} RGB images written as gray)")


if __name__ == "__main__":
    main()
