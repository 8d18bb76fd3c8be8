"""Compare two _seg.npy files written by `cellpose-studio segment` for the same image.

usage: python3 compare.py A_seg.npy B_seg.npy
Prints one JSON object: the largest |difference| of the float flows (dY, dX) and of the cell
probability (flows[4], Cellpose's CLI layout), the number of masks on each side, the fraction of
pixels with the same label, and AP at IoU 0.5 and 0.9 of B's masks against A's (Cellpose's
definition: TP / (TP + FP + FN), masks matched one to one by linear assignment).
"""
import json
import sys

import numpy as np
from scipy.optimize import linear_sum_assignment


def iou_matrix(true, pred):
    nt, np_ = int(true.max()), int(pred.max())
    overlap = np.bincount(true.ravel().astype(np.int64) * (np_ + 1) + pred.ravel(), minlength=(nt + 1) * (np_ + 1))
    overlap = overlap.reshape(nt + 1, np_ + 1).astype(np.float64)
    area_t = overlap.sum(axis=1, keepdims=True)
    area_p = overlap.sum(axis=0, keepdims=True)
    union = area_t + area_p - overlap
    with np.errstate(divide="ignore", invalid="ignore"):
        iou = np.where(union > 0, overlap / union, 0.0)
    return iou[1:, 1:]


def ap_at(true, pred, th):
    iou = iou_matrix(true, pred)
    nt, np_ = iou.shape
    if nt == 0 or np_ == 0:
        return 1.0 if nt == np_ else 0.0
    n_min = min(nt, np_)
    costs = -(iou >= th).astype(np.float64) - iou / (2 * n_min)
    ti, pi = linear_sum_assignment(costs)
    tp = int((iou[ti, pi] >= th).sum())
    return tp / (tp + (np_ - tp) + (nt - tp))


def main():
    a = np.load(sys.argv[1], allow_pickle=True).item()
    b = np.load(sys.argv[2], allow_pickle=True).item()
    fa, fb = np.asarray(a["flows"][4], np.float32), np.asarray(b["flows"][4], np.float32)
    ma, mb = np.asarray(a["masks"]), np.asarray(b["masks"])
    out = {
        "max_abs_dP": float(np.abs(fa[:-1] - fb[:-1]).max()),
        "max_abs_cellprob": float(np.abs(fa[-1] - fb[-1]).max()),
        "n_masks": [int(ma.max()), int(mb.max())],
        "same_label_fraction": float((ma == mb).mean()),
        "ap50": ap_at(ma, mb, 0.5),
        "ap90": ap_at(ma, mb, 0.9),
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
