import numpy as np
import torch
from torch import Tensor
from torch.library import custom_op


@custom_op("mylib::sin", mutates_args=())
def sin(x: Tensor) -> Tensor:  # untraced
    return torch.from_numpy(np.sin(x.numpy()))


@torch.library.triton_op("mylib::pair", mutates_args=())
def pair(x: Tensor) -> tuple[Tensor, Tensor]:  # untraced
    return x, x


def helper(x):  # traced: called from M.forward
    return x + 1


class M(torch.nn.Module):
    def forward(self, x):  # traced: forward of M
        a = sin(x)  # kind Tensor
        b = helper(a)  # kind Tensor
        return b, pair(x)
