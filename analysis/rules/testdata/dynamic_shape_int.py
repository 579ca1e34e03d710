import math

import torch
from torch import nn
from torch.export import Dim, export


class Crop(nn.Module):
    def __init__(self, ratio: float = 0.5):
        super().__init__()
        self.keep = int(10 * ratio)  # config arithmetic in __init__: not traced
        self.ratio = ratio

    def forward(self, x, counts):
        B, C, H, W = x.shape
        h = int(H / 2)  # want:error "int\(H / 2\) specialises dim \"h\" .*You marked h as dynamic"
        w = int(x.shape[3])  # want:error "int\(x.shape\[3\]\) specialises dim \"w\""
        b = int(B / 2)  # the batch is static in the export: plain ints
        s = int(H * self.ratio)  # want:error "int\(H \* self.ratio\) specialises dim \"h\""
        r = x.dim()
        k = int(r)  # the rank: always static
        n = int(counts.sum())  # a tensor's value: host_round_trip's case
        t = math.trunc(H * 0.5)  # stays symbolic
        return x[:b, :, :h, :w], s, k, n, t


class Loose(nn.Module):
    def forward(self, x):
        return x[: int(x.shape[0] / 2)]  # want:information "int\(x.shape\[0\] / 2\) turns a size into a concrete number"


class Tokens(nn.Module):
    def forward(self, x):
        B, L, C = x.shape
        side = int(math.sqrt(L))  # want:error "math.sqrt\(L\) turns the size into a Python number: it specialises dim \"tokens\""
        levels = math.log2(x.shape[1])  # want:error "math.log2\(x.shape\[1\]\) turns the size into a Python number"
        g = math.gcd(L, 8)  # want:error "math.gcd\(L, 8\) turns the size"
        nested = math.log2(math.sqrt(L))  # want:error "math.sqrt\(L\) turns the size"
        pad = math.ceil(L / 16) * 16 - L  # math.ceil on a symbolic float stays symbolic
        rows = math.floor(L / 2)  # so does math.floor
        cut = math.trunc(L * 0.5)  # and math.trunc
        n = math.prod(x.shape[1:])  # a product of sizes stays symbolic
        head = math.sqrt(C)  # C is static: plain ints
        scale = 1 / math.sqrt(64)  # a constant
        return x.view(B, side, side, C), levels, g, nested, pad, rows, cut, n, head, scale


class LooseMath(nn.Module):
    def forward(self, x):
        return math.sqrt(x.shape[0])  # want:information "math.sqrt\(x.shape\[0\]\) turns a size into a Python number"


class Auto(nn.Module):
    def forward(self, x):
        return x[: int(x.shape[0])]  # want:warning "the exported program accepts that size only"


def script():
    t = torch.randn(4, 4)
    return int(t.shape[0] / 2)  # not traced


ep = export(Crop(), (torch.randn(2, 3, 64, 64), torch.ones(3)), dynamic_shapes={"x": {2: Dim("h", min=32, max=512), 3: Dim("w", min=32, max=512)}, "counts": None})
ep3 = export(Tokens(), (torch.randn(2, 196, 64),), dynamic_shapes={"x": {1: Dim("tokens", min=4, max=4096)}})
ep2 = export(Auto(), (torch.randn(8, 3),), dynamic_shapes={"x": {0: Dim.AUTO}})
