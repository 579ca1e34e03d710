import numpy as np
import torch
from torch import Tensor, nn


class HostRoundTrip(nn.Module):
    def forward(self, x):
        peak = np.abs(x.detach().cpu().numpy()).max()  # want:error "x.detach\(\).cpu\(\).numpy\(\) copies tensor data to NumPy"
        return x / float(peak)


class Normalizer(nn.Module):
    def __init__(self, dim: int = 4):
        super().__init__()
        self.register_buffer("scale", torch.ones(dim))
        self.eps = float(np.finfo(np.float32).eps)  # __init__ is not traced
        self.ref = torch.ones(dim).numpy()  # __init__ is not traced

    def forward(self, x: Tensor, counts: Tensor, weights):
        arr = np.asarray(x.cpu())  # want "np.asarray calls NumPy on tensor x.cpu\(\)"
        total = np.sum(counts)  # want "np.sum calls NumPy on tensor counts"
        y = x / float(x.abs().max())  # want "float\(\) copies the value of tensor x.abs\(\).max\(\) to Python"
        z = x * int(counts.sum())  # want "int\(\) copies the value of tensor counts.sum\(\) to Python"
        flag = bool(self.scale.any())  # want "bool\(\) copies the value of tensor self.scale.any\(\) to Python"
        # near misses
        w = np.sum(weights)  # a bare parameter may be a NumPy array
        n = int(counts.max())  # a read like .item(): the data-value rules judge its uses
        if float(x.mean()) > 0.5:  # a condition: unchecked_data_dependent_value
            y = y * 2
        if bool(x.any()):  # a condition: data_dependent_branch
            y = y + 1
        k = int(x.shape[0])  # a size, not data
        eps = float(self.scale.shape[0])  # a size
        rows = x.view(int(counts[0]), -1)  # a size: unchecked_data_dependent_value
        if not torch.compiler.is_exporting():
            print(x.detach().numpy())  # never traced by export
        return y, z, flag, arr, total, w, n, k, eps, rows


def to_numpy(t):
    return t.detach().cpu().numpy()  # not traced
