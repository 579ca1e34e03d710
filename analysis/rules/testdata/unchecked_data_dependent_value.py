import torch
from torch import Tensor, nn


class UncheckedDataDependentValue(nn.Module):
    def forward(self, x, shape):
        rows, cols = shape.tolist()
        return x.view(rows, cols)  # want:error "rows and cols, read from tensor data with .tolist\(\), are used as a view size without a torch._check bound"


class Router(nn.Module):
    def __init__(self, dim: int = 16):
        super().__init__()
        self.dim = dim
        self.experts = nn.ModuleList([nn.Linear(dim, dim) for _ in range(4)])
        n = torch.tensor(3).item()
        self.table = torch.zeros(n, dim)  # __init__ is not traced

    def forward(self, x: Tensor, counts: Tensor, mask: Tensor):
        k = counts.sum().item()
        half = k // 2
        top = x[:half]  # want "half, read from tensor data with .item\(\), is used as a slice bound without a torch._check bound"
        idx = mask.nonzero()
        if idx.shape[0] > 0:  # want "if on idx.shape\[0\], read from tensor data with the length of a nonzero\(\) result, cannot be decided while export traces"
            x = x + 1
        for i in range(len(idx)):  # want "range\(len\(idx\)\) loops a number of times read from tensor data"
            x = x * 2
        heads, width = counts[:2].tolist()
        y = x.reshape(heads, width, -1)  # want "heads and width, read from tensor data with .tolist\(\), are used as a reshape size"
        z = x.view(int(counts.max()), -1)  # want "int\(counts.max\(\)\), read from tensor data with int\(\), is used as a view size"
        if x.sum().item() > 3:  # want "if on x.sum\(\).item\(\), read from tensor data with .item\(\), cannot be decided"
            z = z * 2
        reps = heads + 1
        tiled = x.repeat(reps, 1)  # want "reps, read from tensor data with .tolist\(\), is used as a repeat size"
        length = width - 1
        part = x.narrow(0, 0, length)  # want "length, read from tensor data with .tolist\(\), is used as a narrow size"
        # near misses
        g = int(counts[0])
        tiled = tiled + x.repeat(g, 1)[:1]  # constrain_as_size_example's: g is read straight from a tensor
        a = counts[2].item()
        w = x[:a]  # constrain_as_size_example's: a is read straight from .item()
        b = counts[3].item()
        if b > 2:  # constrain_as_value_example's
            w = w * 2
        c, d = counts[4:6].tolist()
        torch._check(c >= 0)
        torch._check(d >= 0)
        v = x.view(c, d)  # checked before the use
        e = counts[6].item() * 2
        assert e >= 0
        u = x[:e]  # an assert checks it
        keep = idx[:, 0]
        picked = x[keep]  # indexing with a tensor
        s = idx.shape[0]
        zs = torch.zeros(s, self.dim)  # constructors mark the value as a size
        sel = x[: idx.shape[0]]  # nonzero() lengths are known to be sizes
        sel = x[: len(idx)]  # however the length is read: data_dependent_output_shape's slice
        rows = x.view(idx.size(0), -1)
        n = x.shape[0]
        r = x.view(n, -1)  # a shape, not data
        if not torch.compiler.is_exporting():
            q = counts.tolist()[0]
            if q > 1:  # never traced by export
                print(q)
        return top, y, z, tiled, part, w, v, u, picked, zs, sel, r


def helper(t):
    n = t.tolist()[0]
    m = n + 1
    return t.view(m, -1)  # not traced
