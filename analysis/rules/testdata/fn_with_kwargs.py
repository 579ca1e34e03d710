from typing import Optional

import torch
from torch import nn


class FnWithKwargs(nn.Module):
    def __init__(self, *layers, **options):  # __init__ is not traced
        super().__init__()
        self.layers = nn.ModuleList(layers)

    def forward(self, pos0, tuple0, *myargs, mykw0, **mykwargs):  # want:off "FnWithKwargs\.forward takes \*myargs, keyword-only argument mykw0 and \*\*mykwargs: export flattens them into positional graph inputs"
        out = pos0
        for arg in tuple0:
            out = out * arg
        for arg in myargs:
            out = out * arg
        out = out * mykw0
        return out * mykwargs["input0"] * mykwargs["input1"]


class Attention(nn.Module):
    def __init__(self, dim: int):
        super().__init__()
        self.proj = nn.Linear(dim, dim)

    def forward(self, q, k, v, *, mask: Optional[torch.Tensor] = None, scale: float = 1.0):  # want:off "Attention\.forward takes keyword-only arguments mask, scale"
        w = (q @ k.transpose(-1, -2)) * scale
        if mask is not None:
            w = w.masked_fill(mask, float("-inf"))
        return self.proj(w.softmax(-1) @ v)

    def helper(self, *args, **kwargs):  # not forward: not the exported signature
        return args, kwargs


class Wrapper(nn.Module):
    def __init__(self, inner):
        super().__init__()
        self.inner = inner

    def forward(self, *inputs):  # want:off "Wrapper\.forward takes \*inputs:"
        return self.inner(*inputs)


class Plain(nn.Module):
    def forward(self, x, y=None):  # positional parameters with defaults: not this case
        return x if y is None else x + y


class NotAModule:
    def forward(self, *args, **kwargs):  # not an nn.Module
        return args


def run(model, *args, **kwargs):  # script code
    return model(*args, **kwargs)
