import torch
from torch import nn


class Grid(nn.Module):
    def forward(self, x, grid_thw):
        for _t, h, w in grid_thw:
            h = h.item()
            ids = torch.arange(h)  # kind Tensor
        h  # kind Tensor|Data|Other
        a, b = x.tolist()
        a  # kind Data
        if x.numel():
            pass
        n = x.numel()  # kind Size
        rows = [r * 2 for r in x]  # kind TensorSeq
        for j, t in enumerate(x.unbind(0)):
            j  # kind StaticInt
            t  # kind Tensor
        acc = 0
        for i in range(x.shape[0]):
            acc += i
        acc  # kind Size|Const
        parts = torch.split(x, 2)  # kind TensorSeq
        first = parts[0]  # kind Tensor
        rest = parts[1:]  # kind TensorSeq
        mask = x > 0
        sel = x[mask]  # kind Tensor|DataShaped
        sel2 = x[x > 0]  # kind Tensor|DataShaped
        idx = x[0]  # kind Tensor
        return ids


class Loose(nn.Module):
    """Parameters whose tensor metadata the function never reads may be anything."""

    def forward(self, x, y, z):
        a = x[0]  # kind Tensor|Other
        b = y  # kind Tensor|Other
        if y.dim() > 2:
            y = y.flatten(1)
        c = z  # kind Tensor
        return z.shape, a, b, c


def helper_never_called(a, b):  # untraced
    return a + b
