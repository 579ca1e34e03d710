import torch
from torch import nn


class PositionalEncoding(nn.Module):
    def __init__(self, d_model: int = 64, max_len: int = 512):
        super().__init__()
        pe = torch.zeros(max_len, d_model)
        self.register_buffer("pe", pe)
        self.head = pe[: pe.shape[0] // 2]  # __init__: not traced
        self.window = 8

    def forward(self, x, lengths):
        seq = x.size(1)
        y = x + self.pe[:seq]  # want "slice bound seq is derived from a tensor shape"
        z = x[: x.shape[0] - 2, x.shape[1] - 1 :: 2]  # want "slice bound x.shape\[0\] - 2"
        w = y[:, seq // 2 :]  # want "slice bound seq // 2"
        # near misses
        head = x[:, :4]  # constant bounds
        last = x[:, -1]  # an index, not a slice
        tail = x[:, -self.window :]  # a config attribute
        dims = x.size()[:-1]  # slicing the shape tuple itself
        first = x[x.shape[0] - 1]  # indexing, not slicing
        return y, z, w, head, last, tail, dims, first, lengths


class Crop(nn.Module):
    def forward(self, img):
        h, w = img.shape[-2:]
        return img[..., : h // 2, : w // 2]  # want "slice bound h // 2"


def crop_script(img):
    return img[: img.shape[0] // 2]  # not traced
