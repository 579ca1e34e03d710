import numpy as np
import torch
from torch import Tensor


@torch.library.custom_op("mylib::sin", mutates_args=())
def sin(x: Tensor) -> Tensor:
    return torch.from_numpy(np.sin(x.numpy()))


class CustomOpWithoutFake(torch.nn.Module):
    """
    A custom operator without a fake implementation. torch.export runs every
    operator on fake tensors, which have shapes but no data, to build the graph:
    a custom operator needs a fake (meta) implementation that computes its
    output's shape, dtype and device. mylib::sin has none, so export fails when
    forward calls it. Register one with @sin.register_fake.
    """

    def forward(self, x):
        return sin(x) + 1
