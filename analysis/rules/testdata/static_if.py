import torch
import torch as T
from torch import nn


class StaticIf(nn.Module):
    def __init__(self, dims: int = 3):
        super().__init__()
        w = torch.ones(2, 2)
        if w.dim() == 2:  # __init__: not traced
            self.w = w

    def forward(self, x):
        if len(x.shape) == 3:  # want "branch on the rank \(len\(x.shape\) == 3\) is fixed at export"
            return x + torch.ones(1, 1, 1)
        return x


class Norm(nn.Module):
    def forward(self, x, mask=None):
        nd = x.dim()
        if x.ndim == 4:  # want "branch on the rank \(x.ndim == 4\)"
            x = x.flatten(2)
        elif nd == 2 and mask is not None:  # want "branch on the rank \(nd == 2 and mask is not None\)"
            x = x * mask
        y = x.unsqueeze(0) if T.is_tensor(x) and x.dim() < 3 else x  # want "branch on the rank \(T.is_tensor\(x\) and x.dim\(\) < 3\)"
        # near misses
        if x.shape[0] > 2:  # a dimension size: dynamic_shape_if_guard's case
            y = y * 2
        if x.dim() == 3 and x.size(1) > 4:  # mixes a size in: not only the rank
            y = y + 1
        if x.sum() > 0:  # a tensor value
            y = y - 1
        if self.training:
            y = y * 1
        return y


def prepare(x):
    if x.dim() == 3:  # not traced
        x = x.unsqueeze(0)
    return x
