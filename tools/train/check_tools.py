"""Self-checks of the training tools, run by test/tools/train-tools.test.ts (Debian's python3 with
torch, numpy 1.x, scipy and Pillow; the data in ../shared or CELLPOSE_STUDIO_SHARED).

1. `--device-augment` draws the same tiles as the scipy path: for a few training images and seeds,
   DeviceAugmenter.one (on the CPU here) and random_rotate_and_resize, fed the same seeded stream,
   give the same scale, leave the stream in the same state, and agree inside the source image
   (image and flow channels to 1e-3, the nearest-sampled cell map on all but 1e-3 of the pixels).
2. `train_size.py --resave` turns a size model that numpy 2 wrote (`numpy._core` in its pickle;
   the fixture came from the GPU machine's numpy 2.5.2) into one that this numpy's np.load reads,
   with the same values.
3. `average_weights.py` averages snapshots tensor by tensor (each float tensor is the mean of the
   snapshots', num_batches_tracked the last one's), and its precise BN replaces the running
   statistics with finite ones measured on training tiles while leaving every weight as it was.

Usage: /usr/bin/python3 tools/train/check_tools.py --numpy2-size-model FILE
Prints one "ok ..." line per check; exits non-zero with the reason otherwise.
"""
import argparse
import os
import shutil
import sys
import tempfile

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import train_cpnet as tc  # noqa: E402
import train_size as ts  # noqa: E402
import average_weights as aw  # noqa: E402
import cpnet  # noqa: E402

N_IMAGES = 6
SEEDS = (0, 1, 2)


def check_augment(cache: str) -> None:
    split = tc.make_split(0, 50, 12)
    # the first fluorescence and the first histology training images: different sizes, both kinds
    picks = [x for x in split["train"] if x[0] == tc.FLUO][:N_IMAGES - 2] + [x for x in split["train"] if x[0] == tc.HIST][:2]
    items = [tc.load_item(ds, name, cache)[:3] for ds, name in picks]
    aug = tc.DeviceAugmenter(items, torch.device("cpu"), tc.TILE)
    worst_img, worst_flow, worst_cell, n_inner = 0.0, 0.0, 0.0, 0
    for seed in SEEDS:
        r1, r2, r3 = (np.random.RandomState(seed) for _ in range(3))
        for i, (img, flows, diam) in enumerate(items):
            a, b, s1 = tc.random_rotate_and_resize(img, flows, diam, r1)
            c, d, s2 = aug.one(i, diam, r2)
            if s1 != s2:
                raise SystemExit(f"image {picks[i]}: scale {s1} (scipy) != {s2} (device)")
            _flip, _c, _s, _sc, M, off = tc.warp_params(img.shape[1], img.shape[2], diam, r3)
            rr, cc = np.meshgrid(np.arange(tc.TILE), np.arange(tc.TILE), indexing="ij")
            ri = M[0, 0] * rr + M[0, 1] * cc + off[0]
            ci = M[1, 0] * rr + M[1, 1] * cc + off[1]
            inner = (ri > 1) & (ri < img.shape[1] - 2) & (ci > 1) & (ci < img.shape[2] - 2)
            n_inner += int(inner.sum())
            if inner.any():
                worst_img = max(worst_img, float(np.abs(a - c.numpy())[:, inner].max()))
                worst_flow = max(worst_flow, float(np.abs(b[1:] - d[1:].numpy())[:, inner].max()))
                worst_cell = max(worst_cell, float((b[0] != d[0].numpy())[inner].mean()))
        if not (r1.get_state()[1] == r2.get_state()[1]).all():
            raise SystemExit(f"seed {seed}: the two paths drew different amounts from the stream")
    if n_inner == 0:
        raise SystemExit("no tile pixel fell inside its source image: nothing was compared")
    if worst_img > 1e-3 or worst_flow > 1e-3 or worst_cell > 1e-3:
        raise SystemExit(f"device tiles differ inside the source: image {worst_img:.2e}, flows {worst_flow:.2e}, "
                         f"cell map {worst_cell:.2e} of the pixels")
    print(f"ok augment: {len(items)} images x {len(SEEDS)} seeds, {n_inner} inner pixels; max |d| image "
          f"{worst_img:.1e}, flows {worst_flow:.1e}; cell map differs on {worst_cell:.1e} of them")


def check_resave(numpy2_file: str, work: str) -> None:
    try:
        np.load(numpy2_file, allow_pickle=True)
        numpy2_unreadable = False
    except ModuleNotFoundError:
        numpy2_unreadable = True
    want = ts.read_size_model(numpy2_file)
    path = os.path.join(work, "m_size.npy")
    shutil.copy(numpy2_file, path)
    ts.resave(path)
    got = np.load(path, allow_pickle=True).item()
    for key in ("A", "smean", "diam_mean", "ymean"):
        if not np.array_equal(np.asarray(got[key]), np.asarray(want[key])):
            raise SystemExit(f"--resave changed {key}")
    if np.asarray(got["A"]).shape != (256,) or np.asarray(got["smean"]).dtype != np.float32:
        raise SystemExit(f"--resave wrote A {np.asarray(got['A']).shape}, smean {np.asarray(got['smean']).dtype}")
    print(f"ok resave: numpy {np.__version__} loads it (the numpy-2 file itself: "
          f"{'refused' if numpy2_unreadable else 'also readable'}), A, smean, diam_mean, ymean unchanged")


def check_average(cache: str, work: str) -> None:
    snaps = []
    for seed in (1, 2, 3):
        torch.manual_seed(seed)
        net = cpnet.CPnet()
        for m in net.modules():
            if isinstance(m, torch.nn.BatchNorm2d):  # running statistics that differ per snapshot
                m.running_mean.uniform_(-1, 1)
                m.running_var.uniform_(0.5, 2)
        path = os.path.join(work, f"snap{seed}")
        tc.save_state(net, path)
        snaps.append(torch.load(path))
    avg = aw.average([os.path.join(work, f"snap{s}") for s in (1, 2, 3)])
    for k, v in avg.items():
        want = sum(sd[k].double() for sd in snaps) / len(snaps) if v.is_floating_point() else snaps[-1][k]
        if v.dtype != snaps[-1][k].dtype or not torch.allclose(v.double(), want.double(), rtol=0, atol=1e-6):
            raise SystemExit(f"average: {k} is not the snapshots' mean")
    net = cpnet.CPnet()
    net.load_state_dict(avg, strict=True)
    aw.precise_bn(net, 1, cache, 1, max_items=8)
    after = net.state_dict()
    n_bn = 0
    for k, v in after.items():
        if k.endswith("running_mean") or k.endswith("running_var"):
            n_bn += 1
            if not torch.isfinite(v).all() or torch.equal(v, avg[k]):
                raise SystemExit(f"precise BN: {k} was not re-measured")
        elif v.is_floating_point() and not torch.equal(v, avg[k]):
            raise SystemExit(f"precise BN changed the weight {k}")
    print(f"ok average: {len(avg)} tensors of 3 snapshots; precise BN re-measured {n_bn} running statistics "
          f"on 8 training images, weights unchanged")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--numpy2-size-model", required=True)
    args = ap.parse_args()
    torch.set_num_threads(1)
    work = tempfile.mkdtemp(prefix="cpsd-train-check-")
    try:
        check_augment(work)
        check_resave(args.numpy2_size_model, work)
        check_average(work, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
