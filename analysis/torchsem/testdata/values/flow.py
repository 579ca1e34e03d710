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
        rows = [r * 2 for r in x]  # kind TensorSeq|Other
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
        sel = x[mask]  # kind Tensor|DataShaped|Other
        sel2 = x[x > 0]  # kind Tensor|DataShaped|Other
        idx = x[0]  # kind Tensor|Other
        return ids


def helper_never_called(a, b):  # untraced
    return a + b
