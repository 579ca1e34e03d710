"""A mixture-of-two-experts router that picks a branch with cond.

The code predates torch.cond and imports cond from functorch; it also passes the
operands of one cond as a bare tensor and closes over a local in a branch.
"""

import torch
from functorch.experimental.control_flow import cond
from torch import nn


class Expert(nn.Module):
    def __init__(self, dim: int, hidden: int):
        super().__init__()
        self.up = nn.Linear(dim, hidden)
        self.down = nn.Linear(hidden, dim)

    def forward(self, x):
        return self.down(torch.relu(self.up(x)))


class TwoExpertRouter(nn.Module):
    def __init__(self, dim: int = 128, threshold: float = 0.5):
        super().__init__()
        self.gate = nn.Linear(dim, 1)
        self.small = Expert(dim, dim)
        self.large = Expert(dim, 4 * dim)
        self.threshold = threshold

    def forward(self, x):
        score = torch.sigmoid(self.gate(x.mean(dim=1))).mean()
        temperature = score * 2.0

        def use_large(x):
            return self.large(x) * temperature

        def use_small(x):
            return self.small(x)

        return cond(score > self.threshold, use_large, use_small, (x,))


class LengthRouter(nn.Module):
    """Short sequences go through a cheap path, long ones through the expert."""

    def __init__(self, dim: int = 128):
        super().__init__()
        self.expert = Expert(dim, 4 * dim)

    def long_path(self, x):
        return self.expert(x)

    def short_path(self, x):
        return x.clone()

    def forward(self, x):
        return cond(x.shape[1] > 32, self.long_path, self.short_path, x)
