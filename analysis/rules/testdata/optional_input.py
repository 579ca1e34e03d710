import torch
import torch as T
import torch.nn.functional as F
from torch import nn

DEFAULT_BIAS = torch.zeros(3)
SCALE = 2.0


class OptionalInput(torch.nn.Module):
    """The ExportDB example."""

    def forward(self, x, y=torch.randn(2, 3)):  # want:information "the tensor default of forward parameter y becomes a constant"
        if y is not None:
            return x + y
        return x


class Documented(nn.Module):
    def forward(self, x, bias: torch.Tensor = T.ones(3).float(), *, mask=DEFAULT_BIAS > 0):  # want "parameter bias" "parameter mask"
        """Adds a bias.

        The docstring stays first.
        """
        x = x + bias
        return x.masked_fill(mask, 0.0)


class Normalised(nn.Module):
    def forward(self, x, w=F.normalize(torch.ones(3), dim=0)):  # want "parameter w"
        """Only a docstring before the code."""
        return x * w


class Plain(nn.Module):
    def __init__(self, dim=torch.zeros(3)):  # __init__ is not forward
        super().__init__()
        self.dim = dim

    def forward(
        self,
        x,
        y=None,  # None is the right default
        scale=SCALE,
        eps: float = 1e-5,
        device=torch.device("cpu"),  # not a tensor
        dtype=torch.float32,  # not a call
    ):
        if y is None:
            y = torch.zeros_like(x)
        return (x + y) * scale + eps


def helper(x, y=torch.ones(3)):  # not forward: an ordinary constant
    return x + y


class UsesHelper(nn.Module):
    def forward(self, x):
        return helper(x)


class NotAModule:
    def forward(self, x, y=torch.ones(3)):  # not an nn.Module
        return x + y
