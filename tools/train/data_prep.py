"""Training-data preparation as Cellpose 3 `train_seg` does it (ALGORITHMS.md 4, 7.3, 9.1).

- flows from masks: the CPU heat-diffusion variant (4.2), vectorised over all masks of an image at
  once on the list of mask pixels (each mask keeps its own niter and only sees its own pixels, which
  is exactly the per-mask local-grid computation of `masks_to_flows_cpu`);
- diameters (7.3), clipped below at 5;
- normalize99 per channel (2.2.1), [0,0] gray channel convention (2.1).
"""
import numpy as np
from scipy import ndimage

# Neighbour order of the 9-point mean: centre, N, S, W, E, NW, NE, SW, SE (ALGORITHMS.md 4.2).
NEIGHBOURS = [(0, 0), (-1, 0), (1, 0), (0, -1), (0, 1), (-1, -1), (-1, 1), (1, -1), (1, 1)]


def renumber(labels: np.ndarray) -> np.ndarray:
    """Labels -> 1..N in order of first appearance in raster order (labels_to_flows, 4.5)."""
    flat = labels.ravel()
    uniq, first = np.unique(flat, return_index=True)
    keep = uniq != 0
    uniq, first = uniq[keep], first[keep]
    order = np.argsort(first, kind="stable")
    lut = np.zeros(int(flat.max()) + 1 if flat.size else 1, dtype=np.int32)
    lut[uniq[order]] = np.arange(1, len(uniq) + 1, dtype=np.int32)
    return lut[labels]


def masks_to_flows_cpu(labels: np.ndarray) -> np.ndarray:
    """Unit flows (2, Ly, Lx) float32 [dY, dX] of a renumbered (1..N) label image."""
    Ly, Lx = labels.shape
    out = np.zeros((2, Ly, Lx), np.float32)
    n_masks = int(labels.max())
    if n_masks == 0:
        return out
    Wp = Lx + 2
    padded = np.pad(labels, 1).ravel()
    ys, xs = np.nonzero(labels)
    lab = labels[ys, xs].astype(np.int64)
    # niter = 2 * ((h + 2) + (w + 2)) per mask, from its bounding box.
    boxes = ndimage.find_objects(labels)
    niter = np.zeros(n_masks + 1, np.int64)
    for i, sl in enumerate(boxes):
        if sl is not None:
            h = sl[0].stop - sl[0].start
            w = sl[1].stop - sl[1].start
            niter[i + 1] = 2 * ((h + 2) + (w + 2))
    # Source pixel: the mask pixel closest to the mean coordinate, first in raster order on ties.
    counts = np.bincount(lab, minlength=n_masks + 1).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        ym = np.bincount(lab, weights=ys, minlength=n_masks + 1) / counts
        xm = np.bincount(lab, weights=xs, minlength=n_masks + 1) / counts
    d2 = (xs - xm[lab]) ** 2 + (ys - ym[lab]) ** 2
    raster = np.arange(len(ys))  # np.nonzero returns raster order
    order = np.lexsort((raster, d2, lab))
    first_of_label = np.ones(len(order), bool)
    first_of_label[1:] = lab[order][1:] != lab[order][:-1]
    centre_pix = order[first_of_label]  # one per present label
    centre_lab = lab[centre_pix]
    flat = (ys + 1) * Wp + (xs + 1)
    zero_slot = padded.size  # T[zero_slot] stays 0: stands for background and other masks
    offsets = np.array([dy * Wp + dx for dy, dx in NEIGHBOURS], np.int64)
    nb = flat[:, None] + offsets[None, :]
    same = padded[nb] == lab[:, None]
    nb = np.where(same, nb, zero_slot)
    # Pixels sorted by their mask's niter (descending) so the active ones are a prefix.
    pix_niter = niter[lab]
    psort = np.argsort(-pix_niter, kind="stable")
    nb_s = nb[psort]
    flat_s = flat[psort]
    niter_s = pix_niter[psort]
    csort = np.argsort(-niter[centre_lab], kind="stable")
    centre_flat = flat[centre_pix][csort]
    centre_niter = niter[centre_lab][csort]
    T = np.zeros(padded.size + 1, np.float64)
    max_it = int(niter.max())
    # number of active pixels / centres at iteration it = count of niter > it
    n_act_pix = np.searchsorted(-niter_s, -np.arange(max_it), side="left")  # count with niter > it
    n_act_c = np.searchsorted(-centre_niter, -np.arange(max_it), side="left")
    ninth = 1.0 / 9.0
    for it in range(max_it):
        nc = n_act_c[it]
        T[centre_flat[:nc]] += 1.0
        npx = n_act_pix[it]
        vals = T[nb_s[:npx]]
        # same summation order as Cellpose, then multiply by 1/9 (not divide)
        acc = vals[:, 0]
        for k in range(1, 9):
            acc = acc + vals[:, k]
        T[flat_s[:npx]] = acc * ninth
    dy = T[nb[:, 2]] - T[nb[:, 1]]
    dx = T[nb[:, 4]] - T[nb[:, 3]]
    norm = 1e-60 + np.sqrt(dy * dy + dx * dx)
    out[0, ys, xs] = (dy / norm).astype(np.float32)
    out[1, ys, xs] = (dx / norm).astype(np.float32)
    return out


def diameter(labels: np.ndarray) -> float:
    """Median over masks of 2*sqrt(area/pi) (utils.diameters, 7.3)."""
    areas = np.bincount(labels.ravel())[1:]
    areas = areas[areas > 0]
    if len(areas) == 0:
        return 0.0
    md = float(np.median(np.sqrt(areas)))
    return md / (np.sqrt(np.pi) / 2)


def normalize99(x: np.ndarray) -> np.ndarray:
    lo, hi = np.percentile(x, [1, 99])
    if hi - lo > 1e-3:
        return ((x - lo) / (hi - lo)).astype(np.float32)
    # Cellpose v3 leaves a constant channel unchanged (2.2.2); only the zero channel hits this here.
    return x.astype(np.float32)


def to_gray_2chan(img: np.ndarray) -> np.ndarray:
    """[0,0] convention: gray -> channel 0 (RGB -> mean over channels), channel 1 zeros."""
    img = img.astype(np.float32)
    if img.ndim == 3:
        img = img.mean(axis=-1)
    out = np.zeros((2,) + img.shape, np.float32)
    if img.max() > img.min():
        out[0] = normalize99(img)
    else:
        out[0] = img
    return out
