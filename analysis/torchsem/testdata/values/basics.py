import math

import torch
import torch as T
from torch import nn

SCALE = 2


class Model(nn.Module):  # a module of this file
    def __init__(self, dim=16):
        super().__init__()
        self.proj = nn.Linear(dim, dim)
        self.norm = nn.LayerNorm(dim)
        self.w = nn.Parameter(torch.ones(dim))
        self.register_buffer("buf", torch.zeros(dim))
        self.dim = dim
        self.scale = 0.5

    def forward(self, x, xs: list, n: int, t: torch.Tensor, opt=None):  # traced: forward of Model
        a = self.proj(x)  # kind Tensor
        b = self.w * 2  # kind Tensor|StaticShape
        c = self.buf  # kind Tensor|StaticShape
        d = x.max(1)  # kind TensorSeq
        e = x.max()  # kind Tensor
        f = x.shape  # value SizeSeq [Model.forward:x.shape]
        g = x.shape[0]  # value Size [Model.forward:x.0]
        h, w = x.shape[-2:]
        h  # value Size [Model.forward:x.-2]
        w  # value Size [Model.forward:x.-1]
        B, C, H, W = x.shape
        H  # value Size [Model.forward:x.2]
        k = x.size(1)  # value Size [Model.forward:x.1]
        r = x.ndim  # kind StaticInt
        q = len(x.shape)  # kind StaticInt
        s = self.w.shape[0]  # kind StaticInt
        v = x.item()  # kind Data
        u = x.tolist()  # kind Data
        m = self.dim  # kind Const
        sc = self.scale  # kind Float
        o = opt  # kind Tensor|None|Other
        tt = t  # value Tensor [Model.forward:t]
        nn_ = n  # kind Const|Other
        cfg = SCALE * 3  # kind Const
        y = self.norm(x)  # value Tensor [Model.forward:x]
        z = x.float()  # value Tensor [Model.forward:x]
        half = H // 2  # value Size [Model.forward:x.2]
        ratio = H / 2  # value Size [Model.forward:x.2]
        rounded = round(H / 2)  # value Size [Model.forward:x.2]
        fl = math.floor(H * 0.5)  # value Size [Model.forward:x.2]
        cond = x.sum() > 0  # kind Tensor|BoolTensor
        scond = H > 4  # value Size [Model.forward:x.2]
        sm = T.sym_max(x.shape[0], t.shape[0])  # value Size [Model.forward:t.0 Model.forward:x.0]
        nz = x.nonzero()  # kind Tensor|DataShaped
        nzn = x.nonzero().shape[0]  # kind Size|UnbackedSize
        ln = len(xs)  # kind Other
        sub = self.w.data  # kind Tensor|StaticShape
        same = torch.equal(x, t)  # kind Data
        pw = self.proj.weight  # kind Tensor|StaticShape
        pwn = self.proj.weight.shape[0]  # kind StaticInt
        nw = self.norm.bias  # kind Tensor|StaticShape
        return a


def apply_layer(layer: nn.Module, x):  # untraced
    return layer  # kind Module
