import numpy as np
import torch
from torch import Tensor


@torch.library.custom_op("mylib::sin", mutates_args=())
def sin(x: Tensor) -> Tensor:
    return torch.from_numpy(np.sin(x.numpy()))


@sin.register_fake
def _(x: Tensor) -> Tensor:
    return torch.empty_like(x)


class CustomOpWithoutFakeRewrite(torch.nn.Module):
    """
    The fake computes the output's metadata; export records one call of
    mylib::sin in the graph.
    """

    def forward(self, x):
        return sin(x) + 1
