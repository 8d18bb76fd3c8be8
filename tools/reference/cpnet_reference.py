"""Independent PyTorch implementation of the Cellpose 3 CPnet forward pass (ALGORITHMS.md 1.2-1.3),
used only by tests to check the ONNX graph built in TypeScript. It loads a Cellpose state_dict by
key name, so it must agree with any real Cellpose checkpoint. Not used by the app.

Usage:
  python3 cpnet_reference.py run CHECKPOINT INPUT.npy OUT_PREFIX
      INPUT.npy: float32 (N, nchan, H, W). Writes OUT_PREFIX_y.npy (N, nout, H, W) and
      OUT_PREFIX_style.npy (N, nbase[-1]).
  python3 cpnet_reference.py make CHECKPOINT_OUT NCHAN NBASE_CSV NOUT SEED DIAM_MEAN DIAM_LABELS
      Writes a random-weight checkpoint in Cellpose's exact format (torch.save of an OrderedDict
      with Cellpose's key names, diam_mean / diam_labels included).
  python3 cpnet_reference.py dumpbin CHECKPOINT OUT.bin
      Writes every tensor as float32 into one file (uint32 header length, JSON header, raw data),
      for tests that must not depend on the TypeScript checkpoint reader.
"""
import sys
from collections import OrderedDict

import numpy as np
import torch
import torch.nn.functional as F

EPS = 1e-5


def bn(sd, p, x):
    return F.batch_norm(x, sd[p + ".running_mean"], sd[p + ".running_var"], sd[p + ".weight"],
                        sd[p + ".bias"], training=False, eps=EPS)


def conv(sd, p, x):
    w = sd[p + ".weight"]
    return F.conv2d(x, w, sd[p + ".bias"], padding=w.shape[-1] // 2)


def bc(sd, p, x):  # BN -> ReLU -> conv (pre-activation)
    return conv(sd, p + ".2", F.relu(bn(sd, p + ".0", x)))


def bc0(sd, p, x):  # BN -> conv
    return conv(sd, p + ".1", bn(sd, p + ".0", x))


def style_conv(sd, p, style, x, y=None):
    if y is not None:
        x = x + y
    feat = F.linear(style, sd[p + ".full.weight"], sd[p + ".full.bias"])
    x = x + feat[:, :, None, None]
    return bc(sd, p + ".conv", x)


def levels(sd):
    n = 0
    while ("downsample.down.res_down_%d.proj.1.weight" % n) in sd:
        n += 1
    return n


def forward(sd, x):
    nl = levels(sd)
    xd = []
    for k in range(nl):
        p = "downsample.down.res_down_%d" % k
        if k > 0:
            x = F.max_pool2d(x, 2, 2)
        h = bc0(sd, p + ".proj", x) + bc(sd, p + ".conv.conv_1", bc(sd, p + ".conv.conv_0", x))
        x = h + bc(sd, p + ".conv.conv_3", bc(sd, p + ".conv.conv_2", h))
        xd.append(x)
    style = F.avg_pool2d(xd[-1], kernel_size=xd[-1].shape[-2:]).flatten(1)
    style = style / torch.sum(style ** 2, dim=1, keepdim=True) ** 0.5
    u = None
    for k in range(nl - 1, -1, -1):
        p = "upsample.up.res_up_%d" % k
        if k == nl - 1:
            xin, skip = xd[-1], xd[-1]
        else:
            xin, skip = F.interpolate(u, scale_factor=2, mode="nearest"), xd[k]
        h = bc0(sd, p + ".proj", xin) + style_conv(sd, p + ".conv.conv_1", style,
                                                   bc(sd, p + ".conv.conv_0", xin), skip)
        u = h + style_conv(sd, p + ".conv.conv_3", style, style_conv(sd, p + ".conv.conv_2", style, h))
    y = bc(sd, "output", u)
    return y, style


def make(path, nchan, nbase_rest, nout, seed, diam_mean, diam_labels):
    g = torch.Generator().manual_seed(seed)
    nbase = [nchan] + nbase_rest
    nbaseup = nbase[1:] + [nbase[-1]]
    sd = OrderedDict()
    sd["diam_mean"] = torch.tensor([diam_mean], dtype=torch.float32)
    sd["diam_labels"] = torch.tensor([diam_labels], dtype=torch.float32)

    def add_bn(p, c):
        sd[p + ".weight"] = 1.0 + 0.2 * torch.randn(c, generator=g)
        sd[p + ".bias"] = 0.2 * torch.randn(c, generator=g)
        sd[p + ".running_mean"] = 0.2 * torch.randn(c, generator=g)
        sd[p + ".running_var"] = 0.5 + torch.rand(c, generator=g)
        sd[p + ".num_batches_tracked"] = torch.tensor(7, dtype=torch.int64)

    def add_conv(p, a, b, k):
        sd[p + ".weight"] = torch.randn(b, a, k, k, generator=g) * 0.6 * (1.0 / (a * k * k)) ** 0.5
        sd[p + ".bias"] = 0.05 * torch.randn(b, generator=g)

    for k in range(len(nbase) - 1):
        p = "downsample.down.res_down_%d" % k
        a, b = nbase[k], nbase[k + 1]
        for j in range(4):
            add_bn(p + ".conv.conv_%d.0" % j, a if j == 0 else b)
            add_conv(p + ".conv.conv_%d.2" % j, a if j == 0 else b, b, 3)
        add_bn(p + ".proj.0", a)
        add_conv(p + ".proj.1", a, b, 1)
    for k in range(len(nbaseup) - 1):
        p = "upsample.up.res_up_%d" % k
        a, b = nbaseup[k + 1], nbaseup[k]
        add_bn(p + ".conv.conv_0.0", a)
        add_conv(p + ".conv.conv_0.2", a, b, 3)
        for j in (1, 2, 3):
            add_bn(p + ".conv.conv_%d.conv.0" % j, b)
            add_conv(p + ".conv.conv_%d.conv.2" % j, b, b, 3)
            sd[p + ".conv.conv_%d.full.weight" % j] = 0.1 * torch.randn(b, nbase[-1], generator=g)
            sd[p + ".conv.conv_%d.full.bias" % j] = 0.05 * torch.randn(b, generator=g)
        add_bn(p + ".proj.0", a)
        add_conv(p + ".proj.1", a, b, 1)
    add_bn("output.0", nbaseup[0])
    add_conv("output.2", nbaseup[0], nout, 1)
    torch.save(sd, path)


def main():
    cmd = sys.argv[1]
    if cmd == "run":
        sd = torch.load(sys.argv[2], map_location="cpu")
        sd = {k: v.float() for k, v in sd.items()}
        x = torch.from_numpy(np.load(sys.argv[3]).astype(np.float32))
        with torch.no_grad():
            y, style = forward(sd, x)
        np.save(sys.argv[4] + "_y.npy", y.numpy().astype(np.float32))
        np.save(sys.argv[4] + "_style.npy", style.numpy().astype(np.float32))
    elif cmd == "make":
        make(sys.argv[2], int(sys.argv[3]), [int(v) for v in sys.argv[4].split(",")], int(sys.argv[5]),
             int(sys.argv[6]), float(sys.argv[7]), float(sys.argv[8]))
    elif cmd == "dumpbin":
        # one file: uint32 header length, JSON header [{key, shape, dtype, offset}], raw LE data
        import json, struct
        sd = torch.load(sys.argv[2], map_location="cpu")
        header, blobs, off = [], [], 0
        for k, v in sd.items():
            a = v.numpy()
            a = a.astype(np.float32) if a.dtype != np.int64 else a.astype(np.float64).astype(np.float32)
            b = np.ascontiguousarray(a).tobytes()
            header.append({"key": k, "shape": list(v.shape), "offset": off})
            blobs.append(b)
            off += len(b)
        hb = json.dumps(header).encode()
        with open(sys.argv[3], "wb") as f:
            f.write(struct.pack("<I", len(hb)))
            f.write(hb)
            for b in blobs:
                f.write(b)
    else:
        raise SystemExit("unknown command " + cmd)


if __name__ == "__main__":
    torch.set_num_threads(1)
    main()
