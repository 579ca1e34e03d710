"""Pattern 5: torch under an alias, and torch.sym_max (the sibling of torch.sym_min)."""
import torch as T
import torch.nn as nn


class PadToLonger(nn.Module):
    def forward(self, a, b):
        n = T.sym_max(a.shape[0], b.shape[0])
        out = T.zeros(n, a.shape[1])
        return out
