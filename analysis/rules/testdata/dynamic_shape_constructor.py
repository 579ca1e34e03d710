import torch
import torch as T
from torch import nn, zeros

NUM_CLASSES = 10


class Embedder(nn.Module):
    def __init__(self, dim: int = 16, max_len: int = 128):
        super().__init__()
        self.dim = dim
        self.table = nn.Embedding(max_len, dim)
        self.register_buffer("pos", torch.arange(max_len))  # __init__: not traced
        self.scratch = torch.zeros(max_len, dim)  # __init__: not traced

    def forward(self, x, mask):
        b, n = x.shape[0], x.shape[1]
        out = torch.zeros(x.shape[0] * 2)  # want "constructor torch.zeros is sized by x.shape\[0\] \* 2"
        pad = T.ones(b, self.dim)  # want "constructor T.ones is sized by b"
        idx = torch.arange(n, device=x.device)  # want "constructor torch.arange is sized by n"
        noise = torch.randn((b, n, self.dim), dtype=x.dtype)  # want "constructor torch.randn is sized by \(b, n, self.dim\)"
        acc = zeros(x.size(0), NUM_CLASSES)  # want "constructor zeros is sized by x.size\(0\)"
        buf = x.new_zeros(b, n)  # want "constructor x.new_zeros is sized by b"
        fill = torch.full((n,), -1.0)  # want "constructor torch.full is sized by \(n,\)"
        shaped = torch.empty(size=x.shape)  # want "constructor torch.empty is sized by x.shape"
        # near misses
        logits = torch.zeros(NUM_CLASSES)  # a constant size
        eye = torch.eye(4)
        per_rank = torch.ones(x.dim())  # the rank is static, not a dynamic size
        like = torch.zeros_like(x)  # sized by a tensor, not by numbers
        filled = torch.full((4,), float(n))  # the fill value is not a size
        halves = torch.zeros(round(n / 2))  # dynamic_shape_round's case, not this one
        rows = torch.ones(self.scratch.shape[0])  # a buffer's size is static
        return out, pad, idx, noise, acc, buf, fill, shaped, logits, eye, per_rank, like, filled, halves, rows, mask


def make_inputs(batch: int):
    x = torch.randn(batch, 8)
    return torch.zeros(x.shape[0] * 2)  # script code: never traced


def make_mask(n, dim):
    return torch.ones(n, dim)  # want "constructor torch.ones is sized by n"


def make_table(n):
    return torch.zeros(n)  # called with a constant only


class Masked(nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(8, 8)

    def forward(self, x, feats: list):
        mask = make_mask(x.shape[0], 8)
        table = make_table(16)
        per_feat = torch.zeros(len(feats))  # the length of a list
        w = self.proj.weight
        static = torch.zeros(w.shape[0])  # a parameter's size is static
        return mask, table, per_feat, static


class Declared(nn.Module):
    def forward(self, x):
        rows = torch.zeros(x.shape[0])  # want "constructor torch.zeros is sized by x.shape\[0\], derived from a tensor shape: symbolic in the exported program: it reads dim \"batch\" \(x.shape\[0\], Dim\(\"batch\", max=64\), declared at line 71\)"
        cols = torch.ones(x.shape[1])  # want "constructor torch.ones is sized by x.shape\[1\], derived from a tensor shape: static at every export that declares the model"
        return rows, cols


ep = torch.export.export(Declared(), (torch.randn(4, 3),), dynamic_shapes={"x": {0: torch.export.Dim("batch", max=64)}})
