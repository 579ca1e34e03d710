# A read sees the bindings of its name that may reach it: those before it, and in a loop or
# a comprehension the later ones too. A parameter's value reaches every read.
import torch
from torch import nn


class Rebound(nn.Module):
    def forward(self, x, feats):
        n = len(feats)  # value Size|Other [Rebound.forward:feats.0]
        before = x.shape[0]  # value Size [Rebound.forward:x.0]
        x = x.nonzero()
        after = x.shape[0]  # kind Size|UnbackedSize
        y = x
        for i in range(3):
            inside = y.shape[1]  # kind Size|UnbackedSize
            y = y[y > 0]
        feats = feats.nonzero()
        rows = [r.shape[0] for r in feats.unbind(0)]  # kind SizeSeq
        return before, after, inside, rows, n
