import torch
import torch.nn.functional as F
from torch import nn


class PlainList(nn.Module):
    def __init__(self, dim: int, depth: int):
        super().__init__()
        self.blocks = [nn.Linear(dim, dim) for _ in range(depth)]  # want:warning "self.blocks keeps modules in a plain list"
        self.pair = (nn.Conv2d(3, 8, 3), nn.ReLU())  # want:warning "self.pair keeps modules in a plain tuple"
        self.heads = {"cls": nn.Linear(dim, 10), "box": nn.Linear(dim, 4)}  # want:warning "self.heads keeps modules in a plain dict"
        self.odd = {"train": nn.Linear(dim, 1)}  # want:warning "self.odd keeps modules in a plain dict"
        self.stages = []  # want:warning "self.stages keeps modules in a plain list"
        for _ in range(depth):
            self.stages.append(nn.Sequential(nn.Linear(dim, dim), nn.GELU()))

    def forward(self, x, img):
        for block in self.blocks:
            x = block(x)
        for stage in self.stages:
            x = stage(x)
        y = self.pair[1](self.pair[0](img))
        return self.heads["cls"](x), self.heads["box"](x), self.odd["train"](x), y


class ParamUpdates(nn.Module):
    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(torch.ones(4))
        self.register_parameter("shift", nn.Parameter(torch.zeros(4)))
        self.register_buffer("running", torch.zeros(4))
        self.proj = nn.Linear(4, 4)

    def forward(self, x):
        self.scale.data.clamp_(min=0.0)  # want:error "parameter self.scale is updated through .data \(clamp_\(\)\)"
        self.shift.data = torch.zeros(4)  # want:error "parameter self.shift is updated through .data \(assignment\)"
        self.proj.weight.data[0] = 1.0  # want:error "parameter self.proj.weight is updated through .data \(assignment\)"
        with torch.no_grad():
            self.scale.mul_(0.5)  # want:warning "parameter self.scale is updated in place with mul_\(\)"
            self.shift[0] = 1.0  # want:warning "parameter self.shift is updated in place by item assignment"
            self.proj.bias.zero_()  # want:warning "parameter self.proj.bias is updated in place with zero_\(\)"
            nn.init.zeros_(self.scale)  # want:warning "parameter self.scale is updated in place by zeros_"
        self.running.data.copy_(x.mean(0))  # want:warning "buffer self.running is updated through .data \(copy_\(\)\)"
        w = self.proj.weight.data  # want:hint "self.proj.weight.data in forward reads the parameter"
        return F.linear(x, w) * self.scale.data  # want:hint "self.scale.data in forward reads the parameter"


class Builder(nn.Module):
    def __init__(self):
        super().__init__()
        self.norm = nn.LayerNorm(8)

    def forward(self, x):
        h = nn.Linear(8, 8)(x)  # want:warning "nn.Linear is created inside forward"
        conv = torch.nn.Conv1d(8, 8, 1)  # want:warning "torch.nn.Conv1d is created inside forward"
        head = nn.Sequential(nn.Linear(8, 2), nn.Softmax(dim=-1))  # want:warning "nn.Sequential is created inside forward"
        block = Residual(8)  # want:warning "Residual is created inside forward"
        return head(block(conv(self.norm(h).unsqueeze(-1)).squeeze(-1)))


class Residual(nn.Module):
    def __init__(self, dim: int):
        super().__init__()
        self.fc = nn.Linear(dim, dim)

    def forward(self, x):
        return x + self.fc(x)


class Mover(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Linear(4, 4)
        self.layers = nn.ModuleList([nn.Linear(4, 4) for _ in range(2)])
        self.register_buffer("table", torch.zeros(4))

    def forward(self, x):
        self.to(x.device)  # want:warning "the module is moved with .to\(\) in forward"
        self.encoder.cuda()  # want:warning "submodule self.encoder is moved with .cuda\(\) in forward"
        self.layers[0].half()  # want:warning "submodule self.layers\[0\] is moved with .half\(\) in forward"
        table = self.table.to(x.dtype)  # a buffer: .to returns a new tensor
        w = self.encoder.weight.to(x.dtype)  # a parameter: .to returns a new tensor
        return F.linear(x.float(), w) + table


# Near misses: none of these is reported by this rule.

class Registered(nn.Module):
    def __init__(self, dim: int):
        super().__init__()
        self.blocks = nn.ModuleList([nn.Linear(dim, dim) for _ in range(2)])
        self.heads = nn.ModuleDict({"a": nn.Linear(dim, 1)})
        self.acts = [nn.ReLU(), nn.GELU()]  # stateless modules: nothing to register
        self.sizes = [dim, dim * 2]  # not modules
        layers = [nn.Linear(dim, dim), nn.ReLU()]
        self.net = nn.Sequential(*layers)
        self.parts = [nn.Linear(dim, dim), nn.Linear(dim, dim)]
        self.chain = nn.Sequential(*self.parts)  # registered through self.chain
        self.unused = [nn.Linear(dim, dim)]  # forward never uses it
        self.register_buffer("ema", torch.zeros(dim))
        self.gain = nn.Parameter(torch.ones(dim))

    def forward(self, x):
        for block in self.blocks:
            x = block(x)
        for act in self.acts:
            x = act(x)
        x = self.net(x) + self.chain(x) + self.heads["a"](x)
        y = nn.ReLU()(x)  # a stateless layer built in forward
        y = nn.Dropout(0.1)(y)
        with torch.no_grad():
            self.ema.mul_(0.9).add_(0.1 * x.mean(0))  # buffers may be updated in place
        g = self.gain.detach()
        z = x.clone()
        z.data.mul_(2)  # .data on an activation, not module state
        n = self.gain.data.shape[0] + self.gain.data.numel()  # metadata only
        return y * g * self.gain.clamp(min=0) + z

    def reset_parameters(self):
        # not traced: parameter updates outside forward are fine
        with torch.no_grad():
            self.gain.fill_(1.0)
            self.gain.data.zero_()
        self.to("cpu")

    def rebuild(self):
        return nn.Linear(4, 4)  # not traced


class AttrMutationOwned(nn.Module):
    """self.attr = ... in forward is model_attr_mutation's finding, add_module parameter_in_forward's."""

    def __init__(self):
        super().__init__()
        self.sub = nn.Linear(4, 4)
        self.weight = nn.Parameter(torch.ones(4))

    def forward(self, x):
        self.sub = self.sub.to(x.device)
        self.head = nn.Linear(4, 4)
        self.add_module("tail", nn.Linear(4, 4))  # parameter_in_forward reports the registration
        self.weight += 1
        return self.head(self.sub(x)) * self.weight


def make_model():
    model = Registered(8)
    model.to("cuda")  # outside traced code
    model.blocks[0].weight.data.zero_()
    return model
