from typing import List, Optional, Sequence, Tuple

import torch
from torch import nn


class ListUnpack(nn.Module):
    def __init__(self, sizes: List[int]):
        super().__init__()
        first, *rest = sizes  # __init__ is not traced
        self.proj = nn.Linear(first, rest[0])

    def forward(self, args: List[torch.Tensor]):
        x, *y = args  # want:off "star-unpacking of args is resolved while tracing: export treats args as a fixed-length list of graph inputs"
        return x + y[0]


class Fuse(nn.Module):
    def merge(self, feats):
        head, *tail = feats  # want:off "star-unpacking of feats"
        for t in tail:
            head = head + t
        return head

    def forward(self, feats: Tuple[torch.Tensor, ...], *extra, x: torch.Tensor, scales: Sequence[float] = (1.0,)):
        [a, *b] = extra  # want:off "star-unpacking of extra"
        (s0, *_) = scales  # want:off "star-unpacking of scales"
        *front, last = x  # x is a tensor: iterating a tensor is not this case
        n, *dims = x.shape  # shape unpacking: not a list input
        pairs = [(1, 2), (3, 4)]
        p, *q = pairs  # a local literal, not an input
        return self.merge(feats) * s0 + a + last + n


class Loader:
    def split(self, batch):
        first, *others = batch  # not a module: not traced
        return first, others


def collate(batch):
    x, *ys = batch  # script code: not traced
    return x, ys
