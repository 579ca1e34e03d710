import torch
import torch._dynamo as torchdynamo
import torch._export
import functorch.experimental.control_flow as cf  # want:hint "functorch.experimental.control_flow is the old import path"
from functorch.experimental.control_flow import cond, map  # want:hint "functorch.experimental.control_flow is the old import path"
from torch import nn
from torch.export import Dim, dynamic_dim, export


class Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(8, 8)

    def forward(self, x, y):
        return self.proj(x) + y


class Branchy(nn.Module):
    def forward(self, x):
        return cf.cond(x.sum() > 0, lambda x: x.sin(), lambda x: x.cos(), (x,))


class Mapped(nn.Module):
    def forward(self, xs):
        return map(lambda x: x.sin(), xs)


class Bounded(nn.Module):
    def forward(self, x):
        n = x.item()
        torch._constrain_as_value(n, min=0, max=4)  # traced: constrain_as_value_example reports it
        return torch.zeros(n)


def export_with_constraints():
    x, y = torch.randn(4, 8), torch.randn(4, 8)
    return export(Model(), (x, y), constraints=[dynamic_dim(x, 0), dynamic_dim(x, 0) >= 2, 64 >= dynamic_dim(y, 0)])  # want:error "torch.export.export no longer accepts constraints="


def export_unknown_model(model, x):
    return torch.export.export(model, (x,), constraints=[dynamic_dim(x, 1) < 129])  # want:error "no longer accepts constraints="


def export_private(x, y):
    return torch._export.export(Model(), (x, y), constraints=[dynamic_dim(y, 0)])  # want:error "torch._export.export with constraints= is the pre-release export API"


def export_constraints_built_elsewhere():
    x, y = torch.randn(4, 8), torch.randn(4, 8)
    cons = [dynamic_dim(x, 0)]  # want:error "torch.export.dynamic_dim builds constraints"
    return export(Model(), (x, y), constraints=cons)  # want:error "no longer accepts constraints="


def export_not_simple(x, y):
    return export(Model(), (x, y), constraints=[dynamic_dim(x, 0) == dynamic_dim(y, 0)])  # want:error "no longer accepts constraints="


def dynamo_exports():
    x, y = torch.randn(4, 8), torch.randn(4, 8)
    gm, guards = torchdynamo.export(Model())(x, y)  # want:information "torch._dynamo.export is an internal API"
    old = torch._dynamo.export(Model(), x, y)  # want:information "torch._dynamo.export is an internal API"
    exporter = torch._dynamo.export(Model(), aten_graph=True)  # want:information "torch._dynamo.export is an internal API"
    inputs = (x, y)
    splat = torchdynamo.export(Model())(*inputs)  # want:information "torch._dynamo.export is an internal API"
    fn = torchdynamo.export(helper)(x)  # want:information "torch._dynamo.export is an internal API"
    return gm, old, exporter, splat, fn


def helper(x):
    return x + 1


def script_bounds(t):
    n = t.item()
    torch._constrain_as_size(n, min=2, max=8)  # want:hint "torch._constrain_as_size is deprecated: state the bounds of n"
    m = t.max().item()
    torch._constrain_as_value(m, min=0, max=4)  # want:error "torch._constrain_as_value was removed in torch 2.4"
    k = t.min().item()
    torch._check_is_size(k)  # want:hint "torch._check_is_size is deprecated from torch 2.11"
    return n, m, k


# Near misses: today's API is not reported.

def export_today():
    x, y = torch.randn(4, 8), torch.randn(4, 8)
    batch = Dim("batch", min=2, max=64)
    return torch.export.export(Model(), (x, y), dynamic_shapes={"x": {0: batch}, "y": {0: batch}}, strict=True)


def checks_today(t):
    n = t.item()
    torch._check(n >= 0)
    torch._check(n <= 8)
    return n


def not_dynamo(exporter, model):
    return exporter.export(model)
