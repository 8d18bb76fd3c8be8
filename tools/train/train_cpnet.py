"""Train the bundled default nuclei model (cpsd_nuclei_v1) with Cellpose 3's train_seg recipe.

Recipe (ALGORITHMS.md 9): flows from masks (CPU heat diffusion, 4.2), normalize99, images with < 5
masks dropped, random_rotate_and_resize to 224x224 with scale to diam_mean = 17 (9.4), loss
MSE(flows*5)/2 + BCE(cellprob) (9.2), AdamW lr 0.005 wd 1e-5, batch 8, warm-up then constant LR then
ten halvings (9.3).

One deliberate change: the epoch count is not fixed in advance. The run has a wall-clock budget
(this dev machine has 2 shared CPU cores), so the schedule is expressed in *fraction of the time
budget* instead of epochs: linear warm-up over the first WARMUP_FRAC, constant LR, then ten
halvings evenly spread over the last DECAY_FRAC. Cellpose's own schedule has the same shape
(warm-up 10 epochs, halvings over the last 50-100 epochs).

On a GPU (`--device cuda`), `--workers N` makes the batches in N processes so that the scipy
augmentation keeps up with the GPU. Each batch is then seeded with (epoch, batch start) instead of
the epoch's one sequential stream, so those runs draw other tiles than `--workers 0` (the default,
which all shipped runs used and which reproduces them). `--device-augment` instead warps the tiles
on the device itself from the epoch's one stream, as `--workers 0` draws them (DeviceAugmenter).

Usage: see tools/train/README.md.
"""
import argparse
import csv
import datetime as dt
import json
import multiprocessing
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from scipy import ndimage

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cpnet  # noqa: E402
import data_prep  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
# ../shared/data beside the repository (CELLPOSE_STUDIO_SHARED overrides the shared folder)
DATA = os.path.join(os.environ.get("CELLPOSE_STUDIO_SHARED", os.path.join(HERE, "..", "..", "..", "shared")), "data")
FLUO = "dsb2018-stage1-fluorescence"
HIST = "dsb2018-stage1-brightfield-histology"
DIAM_MEAN = 17.0
MIN_TRAIN_MASKS = 5
TILE = 224  # overridden by --tile (module-level so the augmentation sees it)
WARMUP_FRAC = 0.03
DECAY_FRAC = 0.20
# random_rotate_and_resize's scale_range in training (--scale-range): Cellpose's train_seg uses 0.5
# (scales 0.75-1.25 around the rescale to DIAM_MEAN)
SCALE_RANGE = 0.5


def log(msg: str) -> None:
    print(f"[{dt.datetime.now(dt.timezone.utc).strftime('%H:%M:%S')}] {msg}", flush=True)


def read_ids(dataset: str) -> list[str]:
    with open(os.path.join(DATA, dataset, "manifest.csv")) as f:
        return sorted(row["name"] for row in csv.DictReader(f))


def make_split(seed: int, n_val_fluo: int, n_val_hist: int) -> dict[str, list[tuple[str, str]]]:
    """Fixed, seeded validation split; written to val_split.txt."""
    rng = np.random.RandomState(seed)
    split: dict[str, list[tuple[str, str]]] = {"train": [], "val": []}
    for ds, n_val in ((FLUO, n_val_fluo), (HIST, n_val_hist)):
        ids = read_ids(ds)
        perm = rng.permutation(len(ids))
        val = set(perm[:n_val].tolist())
        for i, name in enumerate(ids):
            split["val" if i in val else "train"].append((ds, name))
    return split


def write_split(split, seed: int, path: str) -> None:
    with open(path, "w") as f:
        f.write(f"# validation split, seed {seed}: numpy RandomState({seed}).permutation over the sorted ids\n")
        f.write(f"# of each set's manifest.csv, first n taken ({FLUO} first, then {HIST}).\n")
        f.write("# columns: dataset/id\n")
        for ds, name in split["val"]:
            f.write(f"{ds}/{name}\n")


def load_item(ds: str, name: str, cache: str):
    img = np.array(Image.open(os.path.join(DATA, ds, "images", name + ".png")))
    cpath = os.path.join(cache, f"{name}_flows.npy")
    lbl = np.array(Image.open(os.path.join(DATA, ds, "masks", name + ".png"))).astype(np.int32)
    lbl = data_prep.renumber(lbl)
    if os.path.exists(cpath):
        flows = np.load(cpath)
    else:
        flows = np.concatenate([(lbl > 0)[None].astype(np.float32), data_prep.masks_to_flows_cpu(lbl)], 0)
        np.save(cpath + ".tmp.npy", flows)
        os.replace(cpath + ".tmp.npy", cpath)
    diam = max(5.0, data_prep.diameter(lbl))
    return data_prep.to_gray_2chan(img), flows, diam, int(lbl.max())


def warp_params(Ly, Lx, diam, rng, scale_range=0.5, rescale=True, tile=None):
    """The random draws of one image's random_rotate_and_resize (9.4), in Cellpose's order (flip,
    theta, scale, shift), and the inverse map they give: input (row, col) = M @ output (row, col)
    + off, which is scipy's affine_transform convention. Both augmentation paths take their draws
    from here, so a seeded stream gives the same tiles on either."""
    tile = TILE if tile is None else tile
    flip = rng.rand() > 0.5
    theta = rng.rand() * np.pi * 2
    s = (1 - scale_range / 2) + scale_range * rng.rand()
    if rescale:
        s = s * DIAM_MEAN / diam
    u2 = rng.rand(2)
    excess = np.maximum(0.0, np.array([Lx * s - tile, Ly * s - tile]))
    shift = (u2 - 0.5) * excess  # (x, y)
    c, sn = np.cos(theta), np.sin(theta)
    # forward (x,y) -> s*R(x,y) + t with t = centre + shift - s*R*(Lx/2, Ly/2)
    tx = tile / 2 + shift[0] - s * (c * Lx / 2 - sn * Ly / 2)
    ty = tile / 2 + shift[1] - s * (sn * Lx / 2 + c * Ly / 2)
    # output (row, col) -> input (row, col): the inverse of the forward map, in (y, x) order
    M = np.array([[c, -sn], [sn, c]]) / s
    off = -M @ np.array([ty, tx])
    return flip, c, sn, s, M, off


def random_rotate_and_resize(img, lbl, diam, rng, scale_range=0.5, rescale=True):
    """One image of Cellpose's random_rotate_and_resize (9.4), scipy in place of cv2.warpAffine.
    Returns the image tile, the label tile and the scale s applied. train_seg uses scale_range 0.5
    with rescaling to DIAM_MEAN; train_size (9.5) scale_range 1 without rescaling."""
    C, Ly, Lx = img.shape
    flip, c, sn, s, M, off = warp_params(Ly, Lx, diam, rng, scale_range, rescale)
    if flip:
        img = img[:, :, ::-1]
        lbl = lbl[:, :, ::-1].copy()
        lbl[2] = -lbl[2]
    out_img = np.zeros((C, TILE, TILE), np.float32)
    for k in range(C):
        if img[k].any():
            out_img[k] = ndimage.affine_transform(img[k], M, off, (TILE, TILE), order=1, mode="constant", cval=0.0)
    out_lbl = np.zeros((3, TILE, TILE), np.float32)
    out_lbl[0] = ndimage.affine_transform(lbl[0], M, off, (TILE, TILE), order=0, mode="constant", cval=0.0)
    v1 = ndimage.affine_transform(lbl[1], M, off, (TILE, TILE), order=1, mode="constant", cval=0.0)
    v2 = ndimage.affine_transform(lbl[2], M, off, (TILE, TILE), order=1, mode="constant", cval=0.0)
    # rotate the flow vectors with the image (dY, dX)
    out_lbl[1] = v2 * sn + v1 * c
    out_lbl[2] = v2 * c - v1 * sn
    return out_img, out_lbl, s


class DeviceAugmenter:
    """random_rotate_and_resize on the training device (--device-augment): every training image and
    its flow labels live there once, and each tile is one grid_sample of them, so a GPU is not held
    up by CPU-side scipy warps. The draws are warp_params' from the same seeded stream as the scipy
    path, so the tiles are the scipy path's up to float rounding inside the source image (about 1e-4
    there; tools/train/check_tools.py checks it). They differ within one pixel of the source's edge: scipy's constant mode
    gives 0 for any point outside the image, while grid_sample (like OpenCV's warpAffine with a
    constant border, which Cellpose uses) fades the edge pixel into the zero padding."""

    def __init__(self, items, device, tile: int):
        self.device = device
        self.tile = tile
        self.data = [torch.from_numpy(np.concatenate([it[0], it[1]], 0)).to(device) for it in items]
        self.nchan = items[0][0].shape[0] if items else 0
        r = torch.arange(tile, dtype=torch.float32, device=device)
        # output (row, col) of every tile pixel, on the device (float32 keeps 1e-4 px at these sizes)
        self.out_r, self.out_c = (g.reshape(-1) for g in torch.meshgrid(r, r, indexing="ij"))

    def one(self, i: int, diam: float, rng, scale_range=0.5, rescale=True):
        x = self.data[i]
        C, T = self.nchan, self.tile
        _, Ly, Lx = x.shape
        flip, c, sn, s, M, off = warp_params(Ly, Lx, diam, rng, scale_range, rescale, T)
        # grid_sample with align_corners=True puts -1 / +1 on the first / last pixel centres; the
        # flip (of the X axis before the warp) is the sign of the x coordinate, with no copy
        # (the map's entries go in as Python floats: no host-to-device copy per tile)
        (m00, m01), (m10, m11) = M.tolist()
        o0, o1 = off.tolist()
        kx, ky = 2.0 / max(Lx - 1, 1), 2.0 / max(Ly - 1, 1)
        gx = (self.out_r * m10 + self.out_c * m11 + o1) * kx - 1.0
        gy = (self.out_r * m00 + self.out_c * m01 + o0) * ky - 1.0
        grid = torch.stack([-gx if flip else gx, gy], -1).reshape(1, T, T, 2)
        chans = list(range(C)) + [C + 1, C + 2]
        smooth = F.grid_sample(x[None, chans], grid, mode="bilinear", padding_mode="zeros", align_corners=True)[0]
        cell = F.grid_sample(x[None, C:C + 1], grid, mode="nearest", padding_mode="zeros", align_corners=True)[0, 0]
        v1, v2 = smooth[C], smooth[C + 1]
        if flip:
            v2 = -v2
        lbl = torch.stack([cell, v2 * sn + v1 * c, v2 * c - v1 * sn], 0)
        return smooth[:C], lbl, s

    def batch(self, items, idx, rng):
        imgs, lbls = [], []
        for i in idx:
            im, lb, _s = self.one(i, items[i][2], rng, scale_range=SCALE_RANGE)
            imgs.append(im)
            lbls.append(lb)
        return torch.stack(imgs), torch.stack(lbls)


def loss_fn(y: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    # 9.2: flows are regressed to 5x the unit vectors (why the engine divides by 5).
    mse = F.mse_loss(y[:, :2], 5.0 * t[:, 1:3]) / 2.0
    bce = F.binary_cross_entropy_with_logits(y[:, 2], (t[:, 0] > 0.5).float())
    return mse + bce


def lr_at(frac: float, lr: float) -> float:
    if frac < WARMUP_FRAC:
        return lr * frac / WARMUP_FRAC
    if frac < 1 - DECAY_FRAC:
        return lr
    k = min(10, int((frac - (1 - DECAY_FRAC)) / (DECAY_FRAC / 10)) + 1)
    return lr / (2 ** k)


def save_state(net: cpnet.CPnet, path: str) -> None:
    """torch.save of the state_dict, atomically. torch names the zip's inner folder after the file,
    so the temp file keeps the final base name inside a temp folder beside it."""
    tmp_dir = os.path.join(os.path.dirname(os.path.abspath(path)), f".saving-{os.getpid()}")
    os.makedirs(tmp_dir, exist_ok=True)
    tmp = os.path.join(tmp_dir, os.path.basename(path))
    sd = {k: v.detach().cpu().contiguous() for k, v in net.state_dict().items()}
    torch.save(sd, tmp)
    os.replace(tmp, path)
    os.rmdir(tmp_dir)


def make_batch(items, idx, rng):
    """Image and label tiles of items[idx], as numpy arrays (workers return them by pickle)."""
    imgs, lbls = [], []
    for i in idx:
        im, lb, _s = random_rotate_and_resize(items[i][0], items[i][1], items[i][2], rng, scale_range=SCALE_RANGE)
        imgs.append(im)
        lbls.append(lb)
    return np.stack(imgs), np.stack(lbls)


# --workers > 0: batches are made in worker processes forked after the training images are loaded,
# so they share _ITEMS without copying it.
_ITEMS: list = []


def training_items(cache: str, seed: int = 0, max_items: int | None = None) -> list:
    """The training split's images with at least MIN_TRAIN_MASKS masks, loaded one by one from the
    flow cache, as (image, flows, diameter, dataset): what train_size.py and average_weights.py
    train or measure on (main() loads the same ones, in a pool when --workers is given)."""
    items = []
    for ds, name in make_split(seed, 50, 12)["train"]:
        img, flows, diam, nmask = load_item(ds, name, cache)
        if nmask >= MIN_TRAIN_MASKS:
            items.append((img, flows, diam, ds))
        if max_items is not None and len(items) >= max_items:
            break
    return items


def _load_job(job):
    ds, name, cache = job
    return load_item(ds, name, cache)


def _batch_job(job):
    epoch, b, idx = job
    return make_batch(_ITEMS, idx, np.random.RandomState([epoch, b]))


def epoch_batches(items, perm, batch_size: int, epoch: int, rng, pool, augmenter=None):
    """The epoch's batches in order: made here from the epoch's stream (pool None, as Cellpose), on
    the device from that same stream (augmenter), or by the pool, each seeded with (epoch, batch
    start) and made ahead of the training loop."""
    starts = range(0, len(perm) - batch_size + 1, batch_size)
    if augmenter is not None:
        return (augmenter.batch(items, perm[b:b + batch_size], rng) for b in starts)
    if pool is None:
        batches = (make_batch(items, perm[b:b + batch_size], rng) for b in starts)
    else:
        batches = pool.imap(_batch_job, [(epoch, b, perm[b:b + batch_size]) for b in starts])
    return ((torch.from_numpy(x), torch.from_numpy(t)) for x, t in batches)


def main() -> None:
    global TILE, WARMUP_FRAC, DECAY_FRAC, SCALE_RANGE, _ITEMS
    ap = argparse.ArgumentParser()
    ap.add_argument("--end-utc", default="", help="HH:MM UTC (the next one from now): stop training and save by then")
    ap.add_argument("--train-s", type=float, default=0.0,
                    help="train for this many seconds after the data prep (instead of --end-utc; a GPU run's budget)")
    ap.add_argument("--out", default=os.path.join(HERE, "..", "..", "resources", "models", "cpsd_nuclei_v1"))
    ap.add_argument("--cache", default=os.path.join(HERE, ".cache"))
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--n-val-fluo", type=int, default=50)
    ap.add_argument("--n-val-hist", type=int, default=12)
    ap.add_argument("--batch-size", type=int, default=8)
    ap.add_argument("--lr", type=float, default=0.005)
    ap.add_argument("--weight-decay", type=float, default=1e-5)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--device", default="cpu", help="torch device: cpu (default) or cuda")
    ap.add_argument("--workers", type=int, default=0,
                    help="processes that load the data and make the batches (0: all in this process, as the "
                    "shipped runs; see the module docstring)")
    ap.add_argument("--device-augment", action="store_true",
                    help="warp the tiles on --device (grid_sample) from the epoch's one stream, instead of scipy on the CPU")
    ap.add_argument("--log-every", type=int, default=10, help="log the loss every this many steps")
    ap.add_argument("--checkpoint-every-s", type=float, default=300.0)
    ap.add_argument("--tile", type=int, default=224, help="training tile side (Cellpose: 224)")
    ap.add_argument("--prep-only", action="store_true")
    ap.add_argument("--max-steps", type=int, default=0, help="stop after this many steps (timing runs)")
    ap.add_argument("--init", default="", help="start from this checkpoint (a Cellpose state_dict) instead of a random "
                    "initialisation: continues a previous run with a fresh optimizer and schedule")
    ap.add_argument("--scale-range", type=float, default=SCALE_RANGE,
                    help="augmentation scale range: scales 1 - r/2 .. 1 + r/2 around the rescale to diam_mean (Cellpose: 0.5)")
    ap.add_argument("--warmup-frac", type=float, default=WARMUP_FRAC)
    ap.add_argument("--decay-frac", type=float, default=DECAY_FRAC)
    ap.add_argument("--first-epoch", type=int, default=0,
                    help="number of the first epoch, which seeds its crops and flips: a continuation gives the "
                    "epochs its parent ran, so it does not replay the parent's tiles")
    args = ap.parse_args()
    TILE = args.tile
    WARMUP_FRAC = args.warmup_frac
    DECAY_FRAC = args.decay_frac
    SCALE_RANGE = args.scale_range

    torch.set_num_threads(args.threads)
    os.makedirs(args.cache, exist_ok=True)
    if not args.prep_only and bool(args.end_utc) == (args.train_s > 0):
        raise SystemExit("give exactly one of --end-utc HH:MM and --train-s SECONDS")
    end = None
    if args.end_utc:
        now = dt.datetime.now(dt.timezone.utc)
        hh, mm = (int(v) for v in args.end_utc.split(":"))
        end = now.replace(hour=hh, minute=mm, second=0, microsecond=0)
        if end <= now:
            # The next HH:MM: a run started before midnight UTC may end after it.
            end += dt.timedelta(days=1)

    split = make_split(args.seed, args.n_val_fluo, args.n_val_hist)
    write_split(split, args.seed, os.path.join(HERE, "val_split.txt"))
    log(f"split: {len(split['train'])} train, {len(split['val'])} val")

    t0 = time.time()
    items, dropped = [], 0
    jobs = [(ds, name, args.cache) for ds, name in split["train"] + split["val"]]
    if args.workers > 0:
        with multiprocessing.get_context("fork").Pool(args.workers) as prep_pool:
            loaded = prep_pool.map(_load_job, jobs, chunksize=4)
    else:
        loaded = []
        for j, job in enumerate(jobs):
            loaded.append(_load_job(job))
            if j < len(split["train"]) and j % 50 == 0:
                log(f"prep {j}/{len(split['train'])} ({time.time() - t0:.0f}s)")
    for (ds, _name), (img, flows, diam, nmask) in zip(split["train"], loaded):
        if nmask < MIN_TRAIN_MASKS:
            dropped += 1
            continue
        items.append((img, flows, diam, ds))
    val_items = loaded[len(split["train"]):]
    diam_labels = float(np.mean([it[2] for it in items]))
    log(f"prep done in {time.time() - t0:.0f}s: {len(items)} train images ({dropped} dropped, < {MIN_TRAIN_MASKS} masks), "
        f"diam_labels {diam_labels:.3f}")
    if args.prep_only:
        return

    # forked before the GPU is touched (a forked child must not inherit a CUDA context)
    _ITEMS = items
    pool = (multiprocessing.get_context("fork").Pool(args.workers)
            if args.workers > 0 and not args.device_augment else None)
    device = torch.device(args.device)
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = True  # fixed tile shape
    torch.manual_seed(args.seed)
    net = cpnet.CPnet(diam_mean=DIAM_MEAN)
    if args.init:
        state = torch.load(args.init, map_location="cpu")
        net.load_state_dict(state, strict=True)
        if abs(float(net.diam_mean) - DIAM_MEAN) > 1e-6:
            raise SystemExit(f"--init {args.init}: diam_mean {float(net.diam_mean)} is not {DIAM_MEAN}")
        log(f"initialised from {args.init}")
    net.diam_labels.data[:] = diam_labels
    net.to(device)
    augmenter = DeviceAugmenter(items, device, TILE) if args.device_augment else None
    opt = torch.optim.AdamW([p for p in net.parameters() if p.requires_grad], lr=args.lr,
                            weight_decay=args.weight_decay)

    # fixed validation batch (seed 42, as Cellpose's test loss): 2 tiles per val image
    vrng = np.random.RandomState(42)
    vx, vy = [], []
    for img, flows, diam, _n in val_items:
        for _ in range(2):
            a, b, _s = random_rotate_and_resize(img, flows, diam, vrng)
            vx.append(a)
            vy.append(b)
    vx_t, vy_t = torch.from_numpy(np.stack(vx)).to(device), torch.from_numpy(np.stack(vy)).to(device)

    def val_loss() -> float:
        net.eval()
        tot = 0.0
        with torch.no_grad():
            for i in range(0, len(vx_t), 16):
                y, _ = net(vx_t[i:i + 16])
                tot += float(loss_fn(y, vy_t[i:i + 16])) * len(y)
        net.train()
        return tot / len(vx_t)

    train_start = time.time()
    if end is None:
        budget_s = args.train_s
    else:
        budget_s = (end - dt.datetime.now(dt.timezone.utc)).total_seconds() - 60.0  # keep a minute for the final save
    if budget_s <= 0:
        # Without this a negative budget made every fraction of it negative: no end, negative lr.
        if pool is not None:
            pool.terminate()
        raise SystemExit(f"--end-utc {args.end_utc} / --train-s {args.train_s}: no time left to train after the data prep and the minute kept "
                         f"for saving ({budget_s:.0f} s); give a later time")
    until = f" until {args.end_utc} UTC (minus 60s)" if end is not None else ""
    log(f"tile {TILE}, batch {args.batch_size}, lr {args.lr}, scale range {SCALE_RANGE}: training for {budget_s:.0f}s{until}"
        + (f" on {args.device}, {args.workers} batch workers" if args.device != "cpu" or args.workers else "")
        + (", tiles warped on the device" if augmenter is not None else ""))
    curve = []
    step, epoch, last_ckpt = 0, args.first_epoch, time.time()
    ckpt_path = os.path.join(args.cache, "ckpt_latest")
    done = False
    net.train()
    while not done:
        rng = np.random.RandomState(epoch)  # Cellpose seeds numpy with the epoch number
        perm = rng.permutation(len(items))
        ep_loss, ep_n = 0.0, 0
        for x, t in epoch_batches(items, perm, args.batch_size, epoch, rng, pool, augmenter):
            frac = (time.time() - train_start) / budget_s
            if frac >= 1.0 or (args.max_steps and step >= args.max_steps):
                done = True
                break
            lr = lr_at(frac, args.lr)
            for g in opt.param_groups:
                g["lr"] = lr
            x, t = x.to(device, non_blocking=True), t.to(device, non_blocking=True)
            y, _ = net(x)
            loss = loss_fn(y, t)
            opt.zero_grad()
            loss.backward()
            opt.step()
            step += 1
            ep_loss += float(loss) * len(x)
            ep_n += len(x)
            if step % args.log_every == 0:
                el = time.time() - train_start
                log(f"step {step} epoch {epoch} lr {lr:.5f} loss {float(loss):.4f} ({el / step:.2f}s/step)")
            if time.time() - last_ckpt > args.checkpoint_every_s:
                save_state(net, ckpt_path)
                last_ckpt = time.time()
                log(f"checkpoint saved at step {step}")
        if ep_n:
            vl = val_loss()
            el = time.time() - train_start
            curve.append({"epoch": epoch, "step": step, "elapsed_s": round(el, 1),
                          "train_loss": round(ep_loss / ep_n, 5), "val_loss": round(vl, 5), "lr": lr})
            log(f"epoch {epoch} done: train {ep_loss / ep_n:.4f} val {vl:.4f} elapsed {el:.0f}s")
            with open(os.path.join(args.cache, "curve.json"), "w") as f:
                json.dump(curve, f, indent=1)
            if ep_n == len(perm) - len(perm) % args.batch_size:
                epoch += 1
    if pool is not None:
        pool.terminate()
    save_state(net, ckpt_path)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    save_state(net, args.out)
    epochs_completed = epoch - args.first_epoch
    summary = {"steps": step, "epochs_completed": epochs_completed, "first_epoch": args.first_epoch,
               "device": args.device, "workers": args.workers, "device_augment": args.device_augment, "log_every": args.log_every,
               "train_seconds": round(time.time() - train_start, 1),
               "n_train_images": len(items), "diam_labels": diam_labels, "curve": curve}
    with open(os.path.join(args.cache, "summary.json"), "w") as f:
        json.dump(summary, f, indent=1)
    log(f"saved {args.out}: {step} steps, {epochs_completed} full epochs")


if __name__ == "__main__":
    main()
