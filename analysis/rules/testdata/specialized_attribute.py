from enum import Enum

import torch
import torch as T
from torch import nn


class Animal(Enum):
    COW = "moo"
    DOG = "woof"


class SpecializedAttribute(torch.nn.Module):
    """The ExportDB example."""

    def __init__(self):
        super().__init__()
        self.a = "moo"
        self.b = 4

    def forward(self, x):
        if self.a == Animal.COW.value:  # want:hint "self.a in this comparison is burned into the graph as its __init__ value \"moo\""
            return x * x + self.b  # want:hint "self.b in this arithmetic is burned into the graph as its __init__ value 4"
        else:
            raise ValueError("bad")


class Norm(nn.Module):
    def __init__(self, dim: int, eps: float = 1e-5, affine: bool = True):
        super().__init__()
        self.dim = dim  # from an argument: configuration, not reported
        self.eps = eps
        self.affine = affine
        self.use_bias = False
        self.mode = Animal.DOG
        self.shift = -0.5
        self.weight = nn.Parameter(torch.ones(dim))
        self.register_buffer("scale", torch.ones(dim))
        self.proj = T.nn.Linear(dim, dim)
        self.table = torch.zeros(3)
        self.counter = 0
        self.name = "norm"

    def step(self):
        self.counter += 1  # assigned outside __init__: not a constant

    def forward(self, x):
        if self.use_bias:  # want "self.use_bias in this condition"
            x = x + 1
        if self.mode is Animal.DOG:  # want "self.mode in this comparison"
            x = x - self.shift  # want "self.shift in this arithmetic is burned into the graph as its __init__ value -0.5"
        y = x / (x.std() + self.eps)  # eps comes from __init__'s argument
        y = y * self.weight + self.scale  # a parameter and a buffer
        y = self.proj(y) + self.table  # a submodule and a tensor attribute
        if self.counter > 3:  # mutated by step()
            y = y * 2
        z = y if not self.affine else y * 2  # from an argument
        w = torch.full((2,), self.shift)  # passed to a call: not reported
        label = "x" if self.name else "y"  # want "self.name in this condition"
        return z, w, label


def script(m):
    if m.use_bias:  # not traced
        return 1
    return 0
