# exportdb-test: target=2.2
import torch as T
from torch import nn
import torch.nn.functional as F


class Guarded(nn.Module):
    def __init__(self, dim: int = 8, ratio: float = 0.5, max_len: int = 128):
        super().__init__()
        self.ratio = ratio
        self.max_len = max_len
        self.proj = nn.Linear(dim, dim)
        self.register_buffer("cache", T.zeros(4, dim))
        probe = T.zeros(3, dim)
        if probe.shape[0] == 3:  # __init__ is never traced
            self.ratio = 1.0

    def forward(self, x, inputs):
        return self.head(x) + self.pick(x, x) + self.checks(x, inputs) + self.more(x) + self.step(x)

    def head(self, x):
        if x.shape[0] == 3:  # want:warning "if on x\.shape\[0\] specialises the export to the branch the example input takes; it fails once that dimension is dynamic"
            return x.cos()

        return x.sin()

    def pick(self, x, y):
        n = x.shape[0]
        if n > 8:  # want "if on n specialises"
            return self.proj(x) + F.gelu(y) * self.ratio + T.ones_like(x).mul(2)
        else:
            return self.proj(y) + F.relu(x) * self.ratio - T.zeros_like(y).add(1)

    def checks(self, x, inputs):
        if x.dim() == 3:  # a rank check: static_if, not a dimension guard
            x = x.unsqueeze(0)
        if x.ndim == 4 and len(x.shape) == 4:  # ranks again
            x = x.flatten(2)
        if x.shape[0] == 0:  # export assumes dynamic sizes are at least 2
            return x
        if x.size(1) == 1:
            x = x.squeeze(1)
        if x.shape[-1] % 2 == 1:  # want "if on x\.shape\[-1\] specialises"
            x = F.pad(x, (0, 1))
        if x.numel() and not x.shape[0]:  # truth tests mean != 0: no guard
            x = x + 1
        if inputs is not None and x.shape[1] != x.shape[2]:  # want "if on x\.shape\[1\] specialises"
            x = x.transpose(1, 2)
        if x.shape[-1] != 8:  # want:off "raising when x.shape\[-1\] != 8 checks a tensor size while tracing"
            raise ValueError("expected 8 features")  # an input check
        if self.cache.shape[0] > 2:  # a buffer's shape is fixed when the module is built
            x = x * 2
        if self.ratio > 0.5:  # a config float, not a size
            x = x * self.ratio
        if len(inputs) == 2:  # a list argument, not a tensor
            x = x + inputs[0]
        if x.sum() > 0:  # a data-dependent value, not a shape
            x = -x
        return x

    def more(self, x):
        b, c, h, w = x.shape
        if h != w:  # want "if on h specialises"
            x = x[:, :, : min(h, w), : min(h, w)]
        elif x.size(1) > self.max_len:  # want "elif on x\.size\(1\) specialises"
            x = x[:, : self.max_len]
        y = x if x.numel() < 64 else x.flatten()  # want "conditional expression on x\.numel\(\) specialises"
        t = T.ones(5, 2)
        if len(t) > 3:  # want "if on len\(t\) specialises"
            y = y + 1
        return y

    def step(self, x):
        if x.shape[1] > 2 * x.shape[0]:  # want "if on x\.shape\[1\] specialises"
            return x[: x.shape[0]]
        return x


def script(x):
    if x.shape[0] == 3:  # not traced
        return x.cos()
    return x.sin()
