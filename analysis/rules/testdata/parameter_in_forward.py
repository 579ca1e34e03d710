import torch
import torch.nn as nn
from torch.nn import Parameter


class Gate(nn.Module):
    """State built lazily in forward."""

    def __init__(self):
        super().__init__()
        self.head = nn.Linear(8, 8)

    def forward(self, x):
        if not hasattr(self, "table"):
            self.register_buffer("table", torch.zeros(x.shape[-1]))  # want:warning "self.register_buffer\(\) in Gate.forward registers buffer table while export traces"
        gate = nn.Parameter(torch.ones(x.shape[-1]))  # want:warning "nn.Parameter created in Gate.forward is not state of the exported program"
        bias = Parameter(torch.zeros(8), requires_grad=False)  # want "nn.Parameter created in Gate.forward"
        self.register_parameter("scale", nn.Parameter(torch.ones(1)))  # want "self.register_parameter\(\) in Gate.forward registers parameter scale"
        self.head.register_buffer("mask", torch.ones(8), persistent=False)  # want "self.head.register_buffer\(\) in Gate.forward registers buffer mask"
        self.add_module("extra", nn.Identity())  # want "self.add_module\(\) in Gate.forward registers submodule extra"
        return self.head(x * gate + bias) + self.table * self.scale

    def _late(self, x):
        return torch.nn.parameter.Buffer(x.mean(0))  # not traced: nothing calls it


class Lazy(nn.Module):
    def forward(self, x):
        return x * self._weight(x.shape[-1])

    def _weight(self, n):
        w = torch.nn.Parameter(torch.randn(n, n))  # want "nn.Parameter created in Lazy._weight"
        self.register_module(name="proj", module=nn.Linear(n, n))  # want "self.register_module\(\) in Lazy._weight registers submodule proj"
        return w


# Cross-file: a helper in another module that creates the parameter (from .init import
# make_gate) is followed once the semantic model lands.


# Near misses: none of these is reported by this rule.


class Proper(nn.Module):
    def __init__(self, dim: int):
        super().__init__()
        self.gate = nn.Parameter(torch.ones(dim))
        self.register_buffer("table", torch.zeros(dim))
        self.add_module("act", nn.GELU())
        self.reset_parameters()

    def reset_parameters(self):
        self.gate = nn.Parameter(torch.ones_like(self.gate))

    def forward(self, x):
        self.w = nn.Parameter(x.new_ones(1))  # model_attr_mutation's finding
        y = nn.Linear(4, 4)(x)  # module_state_in_forward's finding
        z = self.gate.data  # module_state_in_forward's finding
        other = Registry()
        other.register_buffer("x", x)  # not a module of this file's forward
        return self.act(x * self.gate + self.table) + y + z + self.w


class Registry:
    def register_buffer(self, name, value):
        setattr(self, name, value)


def build(dim):
    layer = nn.Linear(dim, dim)
    layer.register_buffer("seen", torch.zeros(1))  # script code: not traced
    return nn.Parameter(torch.zeros(dim))


class Broken(nn.Module):
    def forward(self, x):
        self.register_buffer(  # broken code: no crash
