import torch
from torch import nn


class ConstrainAsValueExample(nn.Module):
    def forward(self, x, y):
        a = x.item()
        torch._constrain_as_value(a, min=0, max=5)  # want:error "torch._constrain_as_value was removed in torch 2.4: this call fails; bound a with torch._check"
        if a < 6:
            return y.sin()
        return y.cos()


class Gate(nn.Module):
    def __init__(self):
        super().__init__()
        t = torch.tensor(3).item()
        if t > 2:  # __init__: not traced
            self.flag = True

    def forward(self, x, y, z):
        level = x.max().item()
        torch._constrain_as_value(level, max=10)  # want "torch._constrain_as_value was removed"
        b = y.sum().item()
        torch._check(b >= 0)  # want:off "torch._check bounds b, read out of tensor data, so export can reason about it"
        torch._check(b < 100)  # want:off "torch._check bounds b"
        c = z.argmax().item()
        out = y if c > 3 else z  # want:error "value c = z.argmax\(\).item\(\) decides a branch without torch._check bounds"
        d = z.min().item()
        while d > 0:  # want "value d = z.min\(\).item\(\) decides a branch"
            d -= 1
        # near misses
        e = z.sum().item()
        assert e < 10, "e too large"  # an assert checks it
        if e < 10:
            out = out + 1
        n = z.numel()
        if n > 4:  # a size, not a data value
            out = out * 2
        return out, level, b


def run(t):
    v = t.item()
    if v > 0:  # not traced
        return 1
    return 0
