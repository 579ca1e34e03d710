"""A convolutional speech encoder whose pooled length follows the input length.

Exported with a dynamic time axis:

    T = torch.export.Dim("T", min=64, max=4096)
    torch.export.export(SpeechEncoder(), (torch.randn(2, 80, 400),),
                        dynamic_shapes={"feats": {2: T}})

`round(frames / stride)` on the symbolic time size cannot be exported
(ExportDB: dynamic_shape_round); `frames // stride` can.
"""

import torch
import torch.nn.functional as F
from torch import nn


class ConvBlock(nn.Module):
    """Residual 1-D convolution block: conv -> group norm -> GELU."""

    def __init__(self, channels: int, kernel_size: int = 5):
        super().__init__()
        self.conv = nn.Conv1d(channels, channels, kernel_size, padding=kernel_size // 2)
        self.norm = nn.GroupNorm(8, channels)

    def forward(self, x):
        return x + F.gelu(self.norm(self.conv(x)))


class SpeechEncoder(nn.Module):
    def __init__(self, n_mels: int = 80, width: int = 256, depth: int = 4, pool_stride: int = 4):
        super().__init__()
        self.stem = nn.Conv1d(n_mels, width, kernel_size=3, padding=1)
        self.blocks = nn.ModuleList(ConvBlock(width) for _ in range(depth))
        self.pool_stride = pool_stride
        self.proj = nn.Linear(width, width)

    def forward(self, feats):
        x = self.stem(feats)
        for block in self.blocks:
            x = block(x)
        # pool the time axis down to about T / stride frames
        frames = x.shape[-1]
        pooled = round(frames / self.pool_stride)
        x = F.adaptive_avg_pool1d(x, pooled)
        return self.proj(x.transpose(1, 2))


if __name__ == "__main__":
    model = SpeechEncoder().eval()
    print(model(torch.randn(2, 80, 400)).shape)
