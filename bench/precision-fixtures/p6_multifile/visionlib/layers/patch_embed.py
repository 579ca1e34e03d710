import torch.nn as nn

from .helpers import grid_after_patching


class PatchEmbed(nn.Module):
    def __init__(self, in_chans=3, dim=32, patch=4):
        super().__init__()
        self.patch = patch
        self.proj = nn.Conv2d(in_chans, dim, kernel_size=patch, stride=patch)

    def forward(self, x):
        gh, gw = grid_after_patching(x.shape[-2], x.shape[-1], self.patch)
        x = self.proj(x)
        return x.flatten(2).transpose(1, 2), (gh, gw)
