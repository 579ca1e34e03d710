import torch
import torch as T
from torch import nn


class DynamicShapeView(nn.Module):
    def forward(self, x):
        new_x_shape = x.size()[:-1] + (2, 5)
        x = x.view(*new_x_shape)  # want "sizes new_x_shape passed to x.view are derived from a tensor shape"
        return x.permute(0, 2, 1)


class Head(nn.Module):
    def __init__(self, heads: int = 4, dim: int = 32):
        super().__init__()
        self.heads = heads
        self.dim = dim
        self.proj = nn.Linear(dim, dim)
        w = torch.randn(dim, dim)
        self.w = w.view(w.size(0), -1)  # __init__: not traced

    def forward(self, x):
        b, n, _ = x.shape
        q = self.proj(x).view(b, n, self.heads, -1)  # want "sizes b passed to self.proj\(x\).view are derived from a tensor shape"
        flat = x.reshape(x.size(0), -1)  # want "sizes x.size\(0\) passed to x.reshape"
        back = T.reshape(q, (b, n, -1))  # want "sizes \(b, n, -1\) passed to T.reshape"
        # near misses
        fixed = x.view(-1, self.dim)  # constant and config sizes only
        as_half = x.view(torch.float16)  # a dtype view
        perm = x.permute(0, 2, 1)  # not a view with sizes
        return q, flat, back, fixed, as_half, perm


def reshape_script(x):
    return x.view(x.size(0), -1)  # not traced
