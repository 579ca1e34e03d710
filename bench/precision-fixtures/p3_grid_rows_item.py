"""Pattern 3: a loop over a tensor's rows, .item() on each element, a size from it."""
import torch
import torch.nn as nn


class RotaryGrid(nn.Module):
    def __init__(self, dim=16):
        super().__init__()
        self.dim = dim

    def forward(self, x, grid_thw):
        pos = []
        for _t, h, w in grid_thw:
            h = h.item()
            w = w.item()
            pos.append(torch.arange(h).repeat_interleave(w))
        return x + torch.cat(pos).unsqueeze(-1).float()
