"""Stochastic weight averaging of one run's snapshots, then "precise BN".

The weights of several snapshots of one training run (for example `.cache/ckpt_latest` copied
every ten minutes of a constant-lr continuation) are averaged tensor by tensor. The average's
BatchNorm running statistics belong to none of the snapshots, so they are then recomputed as an
equal-weight average over augmented training tiles (BN momentum None, the net in train mode, no
gradient), with the training script's own data and augmentation. The result is saved as a Cellpose
state_dict like every other checkpoint of this tool.

  /usr/bin/python3 tools/train/average_weights.py --out /tmp/avg --bn-epochs 1 SNAP1 SNAP2 ...

--bn-epochs 0 keeps the averaged running statistics. Uses the flow cache of train_cpnet.py
(tools/train/.cache); run `train_cpnet.py --prep-only` first on a fresh checkout.
"""
import argparse
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cpnet  # noqa: E402
import train_cpnet as tc  # noqa: E402


def average(paths: list[str]) -> dict[str, torch.Tensor]:
    sds = []
    for p in paths:
        try:
            sds.append(torch.load(p, map_location="cpu"))
        except Exception as e:  # any failure to read is the same answer to the user
            raise SystemExit(f"{p}: cannot read it as a torch checkpoint ({type(e).__name__}: {e})")
    keys = list(sds[0].keys())
    for p, sd in zip(paths, sds):
        if list(sd.keys()) != keys:
            raise SystemExit(f"{p}: not a snapshot of the same network (its state_dict keys differ)")
    # float tensors (weights and running statistics) are averaged; integer ones (num_batches_tracked)
    # are taken from the last snapshot
    return {k: torch.stack([sd[k].double() for sd in sds]).mean(0).to(sds[-1][k].dtype)
            if sds[-1][k].is_floating_point() else sds[-1][k] for k in keys}


def precise_bn(net: cpnet.CPnet, epochs: int, cache: str, threads: int, max_items: int | None = None) -> None:
    torch.set_num_threads(threads)
    items = tc.training_items(cache, max_items=max_items)
    for m in net.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.reset_running_stats()
            m.momentum = None  # cumulative average: every batch weighs the same
    net.train()
    t0 = time.time()
    with torch.no_grad():
        for ep in range(epochs):
            # seeds of their own, away from every training epoch's
            rng = np.random.RandomState(1000 + ep)
            perm = rng.permutation(len(items))
            for x, _ in tc.epoch_batches(items, perm, 8, 1000 + ep, rng, None):
                net(x)
            print(f"precise BN: epoch {ep + 1}/{epochs} done in {time.time() - t0:.0f}s", flush=True)
    net.eval()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("snapshots", nargs="+")
    ap.add_argument("--out", required=True)
    ap.add_argument("--bn-epochs", type=int, default=1)
    ap.add_argument("--cache", default=os.path.join(tc.HERE, ".cache"))
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    net = cpnet.CPnet()
    net.load_state_dict(average(args.snapshots), strict=True)
    print(f"averaged {len(args.snapshots)} snapshots", flush=True)
    if args.bn_epochs > 0:
        precise_bn(net, args.bn_epochs, args.cache, args.threads)
    tc.save_state(net, args.out)
    print(f"saved {args.out}")


if __name__ == "__main__":
    main()
