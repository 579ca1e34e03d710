import torch
from torch import nn

SUPPORTED = ("relu", "gelu")


class ListContains(nn.Module):
    def __init__(self, act: str = "relu"):
        super().__init__()
        assert act in SUPPORTED  # __init__: not traced
        self.act = act

    def forward(self, x):
        assert x.size(-1) in [6, 2]  # want "membership test of tensor size x.size\(-1\) in a constant list"
        assert x.size(0) not in [4, 5, 6]  # want "membership test of tensor size x.size\(0\)"
        assert "monkey" not in ["cow", "pig"]  # constants only
        width = x.shape[1]
        if width in (3, 4):  # want "membership test of tensor size width"
            x = x * 2
        # near misses
        if x.dim() in (3, 4):  # the rank: static_if's concern
            x = x + 1
        if self.act in ("relu", "gelu"):  # a config string
            x = torch.relu(x)
        if width in self.allowed():  # not a literal list
            x = x - 1
        return x + x

    def allowed(self):
        return [1, 2]


def validate(x):
    return x.size(0) in [4, 5]  # not traced
