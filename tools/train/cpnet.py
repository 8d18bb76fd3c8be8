"""CPnet (Cellpose 3 `resnet_torch.CPnet`), written from the spec in ALGORITHMS.md 1.1-1.3.

Module and attribute names are chosen so that `state_dict()` produces exactly Cellpose's key names,
shapes and order (ALGORITHMS.md Appendix A): a file saved with `torch.save(net.state_dict())` is
loadable by Cellpose's own `CPnet.load_model` / `CellposeModel(pretrained_model=...)`.
"""
import torch
from torch import nn
import torch.nn.functional as F

# Cellpose uses momentum 0.05 (v3); eps is the PyTorch default 1e-5.
BN_MOMENTUM = 0.05
BN_EPS = 1e-5


def batchconv(in_ch: int, out_ch: int, sz: int) -> nn.Sequential:
    # Pre-activation order BN -> ReLU -> Conv: keys `.0.*` (BN) and `.2.*` (conv).
    return nn.Sequential(
        nn.BatchNorm2d(in_ch, eps=BN_EPS, momentum=BN_MOMENTUM),
        nn.ReLU(inplace=True),
        nn.Conv2d(in_ch, out_ch, sz, padding=sz // 2),
    )


def batchconv0(in_ch: int, out_ch: int, sz: int) -> nn.Sequential:
    # BN -> Conv without ReLU (the 1x1 projections): keys `.0.*` and `.1.*`.
    return nn.Sequential(
        nn.BatchNorm2d(in_ch, eps=BN_EPS, momentum=BN_MOMENTUM),
        nn.Conv2d(in_ch, out_ch, sz, padding=sz // 2),
    )


class ResDown(nn.Module):
    def __init__(self, in_ch: int, out_ch: int, sz: int = 3):
        super().__init__()
        # `conv` is registered before `proj` so state_dict order matches Appendix A.
        self.conv = nn.Sequential()
        for t in range(4):
            self.conv.add_module(f"conv_{t}", batchconv(in_ch if t == 0 else out_ch, out_ch, sz))
        self.proj = batchconv0(in_ch, out_ch, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.proj(x) + self.conv[1](self.conv[0](x))
        return x + self.conv[3](self.conv[2](x))


class BatchConvStyle(nn.Module):
    def __init__(self, in_ch: int, out_ch: int, style_ch: int, sz: int = 3):
        super().__init__()
        self.conv = batchconv(in_ch, out_ch, sz)
        self.full = nn.Linear(style_ch, out_ch)

    def forward(self, style: torch.Tensor, x: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        if y is not None:
            x = x + y
        feat = self.full(style)
        return self.conv(x + feat.unsqueeze(-1).unsqueeze(-1))


class ResUp(nn.Module):
    def __init__(self, in_ch: int, out_ch: int, style_ch: int, sz: int = 3):
        super().__init__()
        self.conv = nn.Sequential()
        self.conv.add_module("conv_0", batchconv(in_ch, out_ch, sz))
        for t in range(1, 4):
            self.conv.add_module(f"conv_{t}", BatchConvStyle(out_ch, out_ch, style_ch, sz))
        self.proj = batchconv0(in_ch, out_ch, 1)

    def forward(self, x: torch.Tensor, y: torch.Tensor, style: torch.Tensor) -> torch.Tensor:
        x = self.proj(x) + self.conv[1](style, self.conv[0](x), y=y)
        return x + self.conv[3](style, self.conv[2](style, x))


class DownSample(nn.Module):
    def __init__(self, nbase: list[int], sz: int = 3):
        super().__init__()
        self.down = nn.Sequential()
        self.maxpool = nn.MaxPool2d(2, 2)
        for n in range(len(nbase) - 1):
            self.down.add_module(f"res_down_{n}", ResDown(nbase[n], nbase[n + 1], sz))

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        xd = []
        for n in range(len(self.down)):
            y = self.maxpool(xd[n - 1]) if n > 0 else x
            xd.append(self.down[n](y))
        return xd


class UpSample(nn.Module):
    def __init__(self, nbase: list[int], sz: int = 3):
        super().__init__()
        self.upsampling = nn.Upsample(scale_factor=2, mode="nearest")
        self.up = nn.Sequential()
        for n in range(1, len(nbase)):
            self.up.add_module(f"res_up_{n - 1}", ResUp(nbase[n], nbase[n - 1], nbase[-1], sz))

    def forward(self, style: torch.Tensor, xd: list[torch.Tensor]) -> torch.Tensor:
        # The deepest block takes d3 as both input and skip (ALGORITHMS.md 1.3).
        x = self.up[-1](xd[-1], xd[-1], style)
        for n in range(len(self.up) - 2, -1, -1):
            x = self.upsampling(x)
            x = self.up[n](x, xd[n], style)
        return x


def make_style(x: torch.Tensor) -> torch.Tensor:
    # Global average pool then L2 normalisation with no epsilon, as Cellpose does.
    s = torch.flatten(F.avg_pool2d(x, kernel_size=(x.shape[-2], x.shape[-1])), 1)
    return s / (s ** 2).sum(dim=1, keepdim=True) ** 0.5


class CPnet(nn.Module):
    def __init__(self, nbase=(2, 32, 64, 128, 256), nout: int = 3, sz: int = 3, diam_mean: float = 17.0):
        super().__init__()
        nbase = list(nbase)
        # Parameters of the root module come first in state_dict(), before every submodule.
        self.diam_mean = nn.Parameter(torch.full((1,), float(diam_mean)), requires_grad=False)
        self.diam_labels = nn.Parameter(torch.full((1,), float(diam_mean)), requires_grad=False)
        nbaseup = nbase[1:] + [nbase[-1]]
        self.downsample = DownSample(nbase, sz)
        self.upsample = UpSample(nbaseup, sz)
        self.output = batchconv(nbaseup[0], nout, 1)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        xd = self.downsample(x)
        style = make_style(xd[-1])
        y = self.output(self.upsample(style, xd))
        return y, style
