import math

import torch
from torch import nn

SCALE = 2.5


def half(n):
    return n // 2


class Pool(nn.Module):
    def __init__(self, ratio: float = 0.5):
        super().__init__()
        self.ratio = ratio
        self.keep = round(10 * ratio)  # config arithmetic in __init__ is fine
        self.proj = nn.Linear(4, 4)

    def forward(self, x):
        n = x.shape[0]
        a = x[: round(x.shape[0] / 2)]  # want:error "round\(\) on a size derived from a tensor shape"
        b = x[: round(n / 3)]  # want "round\(\) on a size"
        c = x[: round(x.size(1) * 0.5)]  # want "round\(\) on a size"
        w = round(SCALE * 2)  # a module-level float: not a size
        k = round(self.ratio * 4)  # a config float on self: not a size
        d = x[: n // 2]
        e = x[: math.floor(n / 2)]
        return a, b, c, d, e, w, k


def script():
    t = torch.randn(4, 4)
    return round(t.shape[0] / 2)  # not traced: plain script code


def scaled_hw(h, w, s):
    """A helper Resize.forward calls with the input's dimensions."""
    return round(h * s), round(w * s)  # want "round\(\) on a size" "round\(\) on a size"


def scaled_cfg(n, s):
    return round(n * s)  # called with constants only: not a size


class Resize(nn.Module):
    def forward(self, img, xs: list):
        h, w = img.shape[-2:]
        nh, nw = scaled_hw(h, w, 0.5)
        k = scaled_cfg(8, 0.5)
        m = round(len(xs) / 2)  # the length of a list: not a size
        return img[:, :, :nh, :nw], k, m
