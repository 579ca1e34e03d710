# exportdb-test: target=2.11
import torch
import torch as T
from torch import nn, sym_min


class TorchSymMin(nn.Module):
    def forward(self, x):
        return x.sum() + torch.sym_min(x.size(0), 100)  # want:error "torch.sym_min is not supported by torch.export before 2.12"


class Clip(nn.Module):
    def __init__(self, limit: int = 64):
        super().__init__()
        self.limit = torch.sym_min(limit, 128)  # __init__: not traced

    def forward(self, x):
        n = T.sym_min(x.shape[0], self.limit)  # want:error "T.sym_min\(x.shape\[0\], self.limit\) fails to export"
        m = sym_min(x.shape[1], 8)  # want:error "sym_min\(x.shape\[1\], 8\) fails"
        k = min(x.shape[0], 4)  # the builtin: fine
        return x[:n, :m] * k


def sym_min_script(a, b):
    return torch.sym_min(a, b)  # not traced


class Ratio(nn.Module):
    def forward(self, x):
        return x * torch.sym_min(x.shape[0], 0.5)  # want:error "torch.sym_min\(x.shape\[0\], 0.5\) fails to export"
