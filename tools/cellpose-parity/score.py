"""Score a checkpoint with the real Cellpose 3.1 on a list of held-out images, for comparison with
tools/train/score-val.ts (the same images, diameters and metric, run by our engine).

Cellpose's own CellposeModel.eval (channels [0, 0], Cellpose's defaults otherwise) on each image at
its true median diameter (Cellpose's utils.diameters of the renumbered ground truth, at least 5 px,
as score-val.ts --diameter gt), and Cellpose's metrics.average_precision. Prints one line per image
(id prefix, diameter, AP50 AP75 AP90) and the mean per data set.

  PYTHONPATH=tools/cellpose-parity/shim:CELLPOSE_SRC:ROIFILE_DIR /usr/bin/python3 \
      tools/cellpose-parity/score.py MODEL [SPLIT_FILE] [SHARED_DIR]

SPLIT_FILE: lines `dataset/id` (default tools/train/val_split.txt); SHARED_DIR: default ../shared.
Cellpose 3.1 removes small masks after its flow check with a bug (ALGORITHMS.md 5.5) that our
default does not copy; `score-val.ts` has no switch for it, so images where that bug drops a mask
score a little lower here (`cellpose-studio segment --v31_small_masks` reproduces it exactly).
"""
import os
import sys

import fastremap  # shim/fastremap.py where the real one is not installed, as for Cellpose itself
import numpy as np
from PIL import Image

from cellpose import metrics, models, utils

HERE = os.path.dirname(os.path.abspath(__file__))


def main() -> None:
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    model_path = sys.argv[1]
    split = sys.argv[2] if len(sys.argv) > 2 else os.path.join(HERE, "..", "train", "val_split.txt")
    shared = sys.argv[3] if len(sys.argv) > 3 else os.path.join(HERE, "..", "..", "..", "shared")
    with open(split) as f:
        entries = [line.strip().split("/") for line in f if line.strip() and not line.startswith("#")]
    model = models.CellposeModel(gpu=False, pretrained_model=model_path)
    print(f"model {model_path}: diam_mean {float(model.diam_mean):.3f}, diam_labels {float(model.diam_labels):.3f}", flush=True)
    per_set: dict[str, list[np.ndarray]] = {}
    for dataset, image_id in entries:
        base = os.path.join(shared, "data", dataset)
        img = np.array(Image.open(os.path.join(base, "images", image_id + ".png")))
        # labels 1..N first, as average_precision counts masks by the largest label
        truth = fastremap.renumber(np.array(Image.open(os.path.join(base, "masks", image_id + ".png"))).astype(np.int32))[0]
        diameter_px = max(5.0, float(utils.diameters(truth)[0]))
        masks = model.eval(img, channels=[0, 0], diameter=diameter_px)[0]
        ap = metrics.average_precision([truth], [masks])[0][0]
        per_set.setdefault(dataset, []).append(ap)
        print(f"{dataset.replace('dsb2018-stage1-', '')}/{image_id[:8]} d={diameter_px:.1f} "
              f"AP50 {ap[0]:.3f} AP75 {ap[1]:.3f} AP90 {ap[2]:.3f}", flush=True)
    for dataset, rows in per_set.items():
        mean = np.mean(np.array(rows), axis=0)
        print(f"{dataset}: n={len(rows)} AP50 {mean[0]:.3f} AP75 {mean[1]:.3f} AP90 {mean[2]:.3f}")


if __name__ == "__main__":
    main()
