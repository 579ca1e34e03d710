from typing import List

import torch
from torch import nn

NUM_STEPS = 4


class StaticForLoop(nn.Module):
    def __init__(self, layers: int = 3):
        super().__init__()
        self.layers = layers
        self.depth = 6
        self.proj = nn.Parameter(torch.randn(4, 4))
        self.blocks = nn.ModuleList([nn.Linear(4, 4) for _ in range(layers)])  # __init__: not traced
        for i in range(3):  # __init__: not traced
            self.register_buffer(f"b{i}", torch.zeros(4))

    def forward(self, x):
        ret = []
        for i in range(10):  # want:hint "loop over range\(10\) is unrolled: the exported graph repeats its body 10 times"
            ret.append(i + x)
        for _ in range(NUM_STEPS):  # want "loop over range\(NUM_STEPS\) is unrolled"
            x = x * 2
        for i in range(self.layers):  # want "loop over range\(self.layers\) is unrolled"
            x = x + i
        for d in range(x.dim()):  # want "loop over range\(x.dim\(\)\) is unrolled"
            x = x.sum(d, keepdim=True)
        for r in range(self.proj.shape[0]):  # want:hint "loop over range\(self.proj.shape\[0\]\) is unrolled: the exported graph repeats its body"
            x = x + self.proj[r].sum()
        squares = [k * k for k in range(0, 8, 2)]  # want "loop over range\(0, 8, 2\) is unrolled"
        for b in range(x.shape[0]):  # want:information "loop over range\(x.shape\[0\]\) is unrolled at the traced size of x.shape\[0\]"
            ret.append(x[b])
        n = len(ret)
        # near misses
        for blk in self.blocks:  # a ModuleList, not range()
            x = blk(x)
        for r in ret:
            x = x + r
        return x, squares, n


class Stepper(nn.Module):
    def forward(self, x, steps: int):
        for _ in range(steps):  # an int input: not a known constant
            x = x + 1
        return x


class Pyramid(nn.Module):
    def forward(self, feats: List[torch.Tensor], tokens: torch.Tensor):
        outs = []
        for i in range(len(feats)):  # want:hint "loop over range\(len\(feats\)\) is unrolled: the exported graph repeats its body once per iteration"
            outs.append(feats[i] * 2)
        for t in range(len(tokens)):  # want:information "loop over range\(len\(tokens\)\) is unrolled at the traced size"
            outs.append(tokens[t])
        return outs


class Gather(nn.Module):
    def forward(self, x: torch.Tensor):
        idx = x.nonzero()
        out = []
        for i in range(len(idx)):  # a data-dependent length: unchecked_data_dependent_value's case
            out.append(x[idx[i]])
        for j in range(idx.shape[0]):  # the same through .shape
            out.append(x[idx[j]])
        return out


def train(model, data):
    for epoch in range(10):  # a training script: not traced
        model(data)
