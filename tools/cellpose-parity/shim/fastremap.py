"""Stand-in for the three fastremap functions Cellpose 3.1 calls (unique, mask, renumber), for
running the real Cellpose where fastremap is not installable (it is not packaged by Debian).
renumber follows fastremap's rule: labels in order of first appearance in a C-order scan, 0 kept."""
import numpy as np


def unique(arr, return_counts=False):
    return np.unique(arr, return_counts=return_counts)


def mask(arr, labels, in_place=False, value=0):
    out = arr if in_place else arr.copy()
    labels = np.asarray(labels)
    if labels.size:
        out[np.isin(out, labels)] = value
    return out


def renumber(arr, start=1, preserve_zero=True, in_place=False):
    out = arr if in_place else arr.copy()
    flat = out.reshape(-1)
    vals, first = np.unique(flat, return_index=True)
    order = vals[np.argsort(first)]
    remap = {}
    nxt = start
    for v in order:
        if preserve_zero and v == 0:
            remap[0] = 0
            continue
        remap[int(v)] = nxt
        nxt += 1
    keys = np.array(list(remap.keys()), dtype=np.int64)
    vals = np.array(list(remap.values()), dtype=np.int64)
    order = np.argsort(keys)
    flat[:] = vals[order][np.searchsorted(keys[order], flat)].astype(flat.dtype)
    return out, remap
