import torch
from torch import nn
from torch.export import Dim

x = torch.randn(3, 2)
dim1_x = Dim("dim1_x")
rows = x.shape[0] + 1  # module level: not traced


class ScalarOutput(nn.Module):
    def forward(self, x):
        return x.shape[1] + 1  # want:information "forward returns x.shape\[1\] \+ 1, a size: the exported program outputs a SymInt"


class WithLength(nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(8, 8)

    def forward(self, tokens):
        out = self.proj(tokens)
        n = tokens.size(1)
        if out.sum() > 0:
            return out, n  # want "forward returns n, a size"
        return out, tokens.shape  # want "forward returns tokens.shape, a size"


class Tensors(nn.Module):
    def forward(self, x, y):
        # near misses
        if x.dim() == 3:
            return x.dim()  # the rank: a constant
        if y.shape[0] > 4:
            return x.view(y.shape[0], -1)  # a tensor
        return torch.tensor(x.shape[0]), x.sum().item()  # a tensor, and a data value


class Block(nn.Module):
    def forward(self, x):
        return x * 2, x.shape[0]  # a submodule's result feeds its parent, not the export


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.block = Block()

    def forward(self, x):
        y, n = self.block(x)
        return y[:n]


def helper(x):
    return x.shape[0]  # not a forward
