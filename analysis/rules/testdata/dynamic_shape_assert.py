import torch
from torch import nn


class DynamicShapeAssert(nn.Module):
    def __init__(self, channels: int = 3):
        super().__init__()
        assert channels > 0  # __init__ config check: not traced
        self.channels = channels

    def forward(self, x, y):
        assert x.shape[0] > 2, f"{x.shape[0]} is greater than 2"  # want "assert on tensor size x.shape\[0\] > 2 is checked while tracing"
        assert x.shape[0] > 1  # want "assert on tensor size x.shape\[0\] > 1"
        n = y.size(1)
        assert n == x.size(1), "mismatched widths"  # want "assert on tensor size n == x.size\(1\)"
        # near misses
        assert x.dim() == 2  # the rank only: always static
        assert self.channels == 3  # a config value
        assert x.size(0) in [4, 5, 6]  # list_contains, not this case
        assert (x > 0).all()  # a tensor value, not a size
        return x + y


def check_batch(x):
    assert x.shape[0] > 2  # script helper, never called from forward
    return x
