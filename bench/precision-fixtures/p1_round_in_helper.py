"""Pattern 1: round() in a module-level helper that forward calls with sizes of the input."""
import torch
import torch.nn as nn
import torch.nn.functional as F


def scaled_hw(h, w, scale):
    return round(h * scale), round(w * scale)


class Resize(nn.Module):
    def __init__(self, scale=0.5):
        super().__init__()
        self.scale = scale

    def forward(self, img):
        h, w = img.shape[-2:]
        oh, ow = scaled_hw(h, w, self.scale)
        return F.interpolate(img, size=(oh, ow), mode="bilinear")
