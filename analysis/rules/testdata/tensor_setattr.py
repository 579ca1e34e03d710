import torch
import torch as T
from torch import nn


class TensorSetattr(torch.nn.Module):
    """The ExportDB example."""

    def forward(self, x, attr):
        setattr(x, attr, torch.randn(3, 2))  # want:warning "setattr sets an attribute on tensor x; the exported program does not capture it"
        return x + 4


def tag(t, name):
    setattr(t, name, True)  # want "setattr sets an attribute on tensor t"
    return t


class Tagging(nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(4, 4)
        setattr(self, "scale", 2.0)  # __init__: not traced, and not a tensor
        self.flag = torch.zeros(1)
        setattr(self.flag, "tag", "init")  # __init__ is not traced

    def forward(self, x: torch.Tensor, mod: nn.Module, n: int):
        y = T.relu(self.proj(x))
        setattr(y, "_origin", "proj")  # want "setattr sets attribute \"_origin\" on tensor y"
        setattr(self, "last", n)  # a module attribute: model_attr_mutation, not this case
        setattr(self.proj, "hooked", True)  # a submodule
        setattr(mod, "seen", True)  # annotated as a module
        setattr(n, "real", 1)  # annotated as int
        cfg = {"a": 1}
        setattr(cfg, "b", 2)  # a dict built here, not a tensor
        return tag(y, "done")


def script(x):
    setattr(x, "meta", 1)  # script code: not traced
    return x
