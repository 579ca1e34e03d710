import torch
import torch as T
from torch import nn


class ConstrainAsSizeExample(nn.Module):
    def forward(self, x):
        a = x.item()
        torch._constrain_as_size(a, min=0, max=5)  # want:hint "torch._constrain_as_size is deprecated: state the bounds of a with torch._check"
        return torch.zeros((a, 5))


class Ragged(nn.Module):
    def __init__(self, dim: int = 8):
        super().__init__()
        self.dim = dim
        n = torch.tensor(4).item()
        self.pad = torch.zeros(n, dim)  # __init__: not traced

    def forward(self, x, lengths, counts):
        total = lengths.sum().item()
        out = x.new_zeros(total, self.dim)  # want:information "value total = lengths.sum\(\).item\(\) is used as a size without a torch._check bound"
        k = int(counts.max())
        T._check_is_size(k, max=64)  # want:hint "torch._check_is_size is deprecated from torch 2.11: check k >= 0 with torch._check"
        top = x[:k]
        m = counts[0].item()
        torch._check(m >= 0)  # want:off "torch._check bounds m, read out of tensor data and used as a size"
        torch._check(m <= x.shape[0])  # want:off "torch._check bounds m"
        rows = x.narrow(0, 0, m)
        s = counts[1].item()
        z = torch.empty(s, self.dim)  # want "value s = counts\[1\].item\(\) is used as a size without a torch._check bound"
        q = counts[2].item()
        w = x[:, :q]  # want:error "value q = counts\[2\].item\(\) is used as a size"
        # near misses
        r = counts[3].item()
        assert r >= 0  # checked by an assert
        v = torch.ones(r)
        scale = x.mean().item()  # a value never used as a size
        doubled = total * 2  # derived names are not followed
        return out, top, rows, z, w, v, x * scale, doubled


def script(t):
    a = t.item()
    return torch.zeros(a)  # not traced
