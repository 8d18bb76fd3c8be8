"""Independent numpy/torch implementation of Cellpose 3.1's tiled inference (ALGORITHMS.md 2.2,
2.4, 3.1-3.6) at rescale 1, for tests of the TypeScript tiler (augment flips, tile grid, taper
blending). Uses cpnet_reference.forward for the network. Not used by the app.

Usage: python3 run_net_reference.py CHECKPOINT [IMAGE.npy AUGMENT(0|1) OUT_PREFIX]...
IMAGE.npy: raw float32 (Ly, Lx, C). Writes OUT_PREFIX_y.npy (Ly, Lx, 3) and OUT_PREFIX_style.npy.
"""
import sys

import numpy as np
import torch

from cpnet_reference import forward


def normalize99(x):
    lo, hi = np.percentile(x, 1), np.percentile(x, 99)
    return (x - lo) / (hi - lo) if hi - lo > 1e-3 else np.zeros_like(x)


def pad_amounts(L):
    lpad = int(16 * np.ceil(L / 16) - L)
    return 8 + lpad // 2, 8 + lpad - lpad // 2


def taper(ly, lx, sig=7.5):
    b = max(224, ly, lx)
    xm = np.arange(b)
    xm = np.abs(xm - xm.mean())
    m = 1 / (1 + np.exp((xm - (b / 2 - 20)) / sig))
    m = m * m[:, None]
    return m[b // 2 - ly // 2:b // 2 + ly // 2 + ly % 2, b // 2 - lx // 2:b // 2 + lx // 2 + lx % 2]


def main():
    sd = {k: v.float() for k, v in torch.load(sys.argv[1], map_location="cpu").items()}
    for k in range(2, len(sys.argv), 3):
        run_one(sd, sys.argv[k], sys.argv[k + 1] == "1", sys.argv[k + 2])


def run_one(sd, image_path, augment, out_prefix):
    img = np.load(image_path).astype(np.float32)
    Ly0, Lx0, C = img.shape
    for c in range(C):
        if img[..., c].max() > img[..., c].min():
            img[..., c] = normalize99(img[..., c])
    (y1, y2), (x1, x2) = pad_amounts(Ly0), pad_amounts(Lx0)
    x = np.pad(img.transpose(2, 0, 1), ((0, 0), (y1, y2), (x1, x2)))
    Ly, Lx = x.shape[1:]
    bs = 224
    if augment:
        if Ly < bs:
            x = np.concatenate([x, np.zeros((C, bs - Ly, x.shape[2]), np.float32)], 1)
        if Lx < bs:
            x = np.concatenate([x, np.zeros((C, x.shape[1], bs - x.shape[2]), np.float32)], 2)
        LY, LX = x.shape[1:]
        ny, nx = max(2, int(np.ceil(2.0 * LY / bs))), max(2, int(np.ceil(2.0 * LX / bs)))
        ly, lx = bs, bs
    else:
        LY, LX = Ly, Lx
        ny = 1 if Ly <= bs else int(np.ceil((1.0 + 2 * 0.1) * Ly / bs))
        nx = 1 if Lx <= bs else int(np.ceil((1.0 + 2 * 0.1) * Lx / bs))
        ly, lx = min(bs, Ly), min(bs, Lx)
    ys = np.linspace(0, LY - ly, ny).astype(int)
    xs = np.linspace(0, LX - lx, nx).astype(int)
    tiles, subs = [], []
    for j in range(ny):
        for i in range(nx):
            t = x[:, ys[j]:ys[j] + ly, xs[i]:xs[i] + lx]
            if augment and i % 2 == 1:
                t = t[:, ::-1, :]
            if augment and j % 2 == 1:
                t = t[:, :, ::-1]
            tiles.append(np.ascontiguousarray(t))
            subs.append((j, i))
    with torch.no_grad():
        y, st = forward(sd, torch.from_numpy(np.stack(tiles)))
    y, st = y.numpy(), st.numpy()
    acc = np.zeros((3, LY, LX), np.float32)
    w = np.zeros((LY, LX))
    m = taper(ly, lx)
    for k, (j, i) in enumerate(subs):
        t = y[k].copy()
        if augment and i % 2 == 1:
            t = t[:, ::-1, :]
            t[0] *= -1
        if augment and j % 2 == 1:
            t = t[:, :, ::-1]
            t[1] *= -1
        acc[:, ys[j]:ys[j] + ly, xs[i]:xs[i] + lx] += t * m
        w[ys[j]:ys[j] + ly, xs[i]:xs[i] + lx] += m
    acc /= w
    out = acc[:, :Ly, :Lx][:, y1:Ly - y2, x1:Lx - x2].transpose(1, 2, 0)
    style = st.sum(0)
    style /= (style ** 2).sum() ** 0.5
    np.save(out_prefix + "_y.npy", np.ascontiguousarray(out, dtype=np.float32))
    np.save(out_prefix + "_style.npy", style.astype(np.float32))


if __name__ == "__main__":
    torch.set_num_threads(1)
    main()
