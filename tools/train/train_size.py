"""Train the size model of the bundled nuclei model: Cellpose 3's train_size (ALGORITHMS.md 9.5).

With the trained CPnet in eval mode, every training image is augmented by random_rotate_and_resize
with scale_range 1 and *no* diameter rescaling, its style vector is recorded together with
y = ln(diam_train) - ln(diam_mean) + ln(s), and a ridge regression (lambda 1) maps styles to y.
The result is written where Cellpose and this app look for it, `<model path>_size.npy`, as the dict
{A, smean, diam_mean, ymean} that Cellpose's SizeModel reads.

Deliberate differences, forced by 2 CPU cores: crops are --tile (default 224, the inference tile
size) instead of 512 x 512, and --epochs (default 2) instead of 10.

On a GPU machine (gpu_run.sh) it runs Cellpose's own 512 x 512 crops and 10 epochs, with --device
cuda --device-augment.

The file is a pickled dict, and the pickle names numpy's module: numpy 2 writes `numpy._core`, which
numpy 1.x cannot import, while numpy 1.x writes `numpy.core`, which numpy 2 still reads. So a size
model fitted under numpy 2 (the GPU machine's) is written again under numpy 1.x before it is
shipped: `train_size.py --resave PATH`, here with Debian's numpy 1.24.

Usage: /usr/bin/python3 tools/train/train_size.py [--model resources/models/cpsd_nuclei_v1]
       /usr/bin/python3 tools/train/train_size.py --resave resources/models/cpsd_nuclei_v1_size.npy
"""
import argparse
import os
import pickle
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cpnet  # noqa: E402
import train_cpnet as tc  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


class _NumpyCompatUnpickler(pickle.Unpickler):
    """Reads numpy 2's `numpy._core` module names under a numpy 1.x that has only `numpy.core`."""

    def find_class(self, module, name):
        if module.startswith("numpy._core") and not hasattr(np, "_core"):
            module = "numpy.core" + module[len("numpy._core"):]
        return super().find_class(module, name)


def read_size_model(path: str) -> dict:
    with open(path, "rb") as f:
        version = np.lib.format.read_magic(f)
        read_header = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
        _shape, _fortran, dtype = read_header(f)
        if dtype != np.dtype(object):
            raise SystemExit(f"{path}: not a pickled size model (dtype {dtype})")
        params = _NumpyCompatUnpickler(f).load()
    params = params.item() if isinstance(params, np.ndarray) else params
    if not isinstance(params, dict) or not {"A", "smean", "diam_mean", "ymean"} <= set(params):
        raise SystemExit(f"{path}: not a Cellpose size model (keys {sorted(params) if isinstance(params, dict) else type(params)})")
    return params


def write_size_model(path: str, params: dict) -> None:
    tmp = path + ".tmp.npy"
    np.save(tmp, params, allow_pickle=True)
    os.replace(tmp, path)


def resave(path: str) -> None:
    """Write the size model at `path` again with this numpy (the module docstring says why)."""
    params = read_size_model(path)
    write_size_model(path, {"A": np.asarray(params["A"], np.float64), "smean": np.asarray(params["smean"], np.float32),
                            "diam_mean": float(params["diam_mean"]), "ymean": float(params["ymean"])})
    tc.log(f"wrote {path} again with numpy {np.__version__}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=os.path.join(HERE, "..", "..", "resources", "models", "cpsd_nuclei_v1"))
    ap.add_argument("--cache", default=os.path.join(HERE, ".cache"))
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--tile", type=int, default=224)
    ap.add_argument("--batch-size", type=int, default=8)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--resave", default="", help="write this size model again under this numpy (see above) and stop")
    ap.add_argument("--device", default="cpu", help="torch device: cpu (default) or cuda")
    ap.add_argument("--device-augment", action="store_true",
                    help="warp the crops on --device (grid_sample), as train_cpnet.py --device-augment")
    args = ap.parse_args()
    if args.resave:
        resave(args.resave)
        return
    tc.TILE = args.tile
    torch.set_num_threads(args.threads)

    items = tc.training_items(args.cache, args.seed)  # the training split of train_cpnet.py (same seed)
    net = cpnet.CPnet(diam_mean=tc.DIAM_MEAN)
    net.load_state_dict(torch.load(args.model), strict=True)
    device = torch.device(args.device)
    net.to(device).eval()
    augmenter = tc.DeviceAugmenter(items, device, args.tile) if args.device_augment else None
    diam_mean = float(net.diam_mean.item())
    tc.log(f"size model: {len(items)} images x {args.epochs} epochs, tile {args.tile}, diam_mean {diam_mean}")

    styles, ys = [], []
    t0 = time.time()
    for epoch in range(args.epochs):
        rng = np.random.RandomState(epoch)
        for b in range(0, len(items), args.batch_size):
            batch, yb = [], []
            for i in range(b, min(b + args.batch_size, len(items))):
                img, flows, diam, _ds = items[i]
                if augmenter is None:
                    im, _lb, s = tc.random_rotate_and_resize(img, flows, diam, rng, scale_range=1.0, rescale=False)
                    im = torch.from_numpy(im)
                else:
                    im, _lb, s = augmenter.one(i, diam, rng, scale_range=1.0, rescale=False)
                batch.append(im)
                yb.append(np.log(diam) - np.log(diam_mean) + np.log(s))
            with torch.no_grad():
                _y, st = net(torch.stack(batch).to(device))
            styles.append(st.cpu().numpy().astype(np.float64))
            ys.extend(yb)
        tc.log(f"epoch {epoch} styles done ({time.time() - t0:.0f}s)")

    S = np.concatenate(styles, 0)
    y = np.asarray(ys, np.float64)
    smean = S.mean(0)
    ymean = float(y.mean())
    X = (S - smean).T  # 256 x n
    A = np.linalg.solve(X @ X.T + np.eye(X.shape[0]), X @ (y - ymean))
    pred = A @ X + ymean
    r = float(np.corrcoef(pred, y)[0, 1])
    out = args.model + "_size.npy"
    write_size_model(out, {"A": A, "smean": smean.astype(np.float32), "diam_mean": diam_mean, "ymean": ymean})
    tc.log(f"saved {out}: {len(y)} styles, train correlation of log-diameter {r:.3f}, {time.time() - t0:.0f}s")
    if int(np.__version__.split(".")[0]) >= 2:
        tc.log(f"numpy {np.__version__} wrote it: numpy 1.x cannot load it until train_size.py --resave writes it again there")


if __name__ == "__main__":
    main()
