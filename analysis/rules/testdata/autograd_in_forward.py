import torch
from torch import nn
from torch.autograd import grad
from torch.autograd.functional import jacobian


class Energy(nn.Module):
    """Forces as the gradient of an energy, computed in forward."""

    def __init__(self):
        super().__init__()
        self.net = nn.Linear(3, 1)

    def forward(self, pos):
        pos = pos.detach().requires_grad_()
        energy = self.net(pos).sum()
        forces = -torch.autograd.grad(energy, pos, create_graph=True)[0]  # want:error "torch.autograd.grad in Energy.forward computes gradients while export traces: strict export cannot trace autograd"
        return energy, forces


class Helpers(nn.Module):
    """Gradients computed in methods forward calls."""

    def forward(self, x):
        y = self._score(x)
        return y + self._jac(x)

    def _score(self, x):
        with torch.enable_grad():
            x.requires_grad = True
            s = (x**2).sum()
            (g,) = grad(s, x)  # want "torch.autograd.grad in Helpers._score"
        return g

    def _jac(self, x):
        return jacobian(lambda v: v.sin(), x).sum(-1)  # want "torch.autograd.functional.jacobian in Helpers._jac"


def penalty(out):
    loss = out.pow(2).mean()
    loss.backward()  # want "loss.backward\(\) in penalty computes gradients"
    return loss


class WithBackward(nn.Module):
    def forward(self, x):
        out = x * 2
        (out.sum()).backward(retain_graph=True)  # want "out.sum\(\).backward\(\) in WithBackward.forward"
        torch.autograd.backward([out.sum()])  # want "torch.autograd.backward in WithBackward.forward"
        return penalty(out)


# Cross-file: a gradient helper imported from another module of the project
# (from .physics import forces) is followed once the semantic model lands.


# Near misses: none of these is reported.


class Quiet(nn.Module):
    def __init__(self):
        super().__init__()
        self.head = nn.Linear(4, 4)

    def forward(self, x):
        x.requires_grad_(False)  # a flag only
        with torch.no_grad():
            y = self.head(x)
        y.requires_grad_()  # alone, no gradient is computed
        g = self.grad(y)  # a method of the module named grad
        self.backward(y)  # a method of the module named backward
        self.head.backward = None
        z = torch.func.grad(lambda v: v.sin().sum())(x)  # torch.func transforms are not reported
        return y + g + z

    def grad(self, y):
        return y * 2

    def backward(self, y):
        return y


class Trainer:
    def step(self, model, batch):
        loss = model(batch).sum()
        loss.backward()  # a training step: export does not trace it
        return torch.autograd.grad(loss, batch)


def train(model, x):
    model(x).sum().backward()  # script code


class GradReverse(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return x.clone()

    @staticmethod
    def backward(ctx, g):
        return -g


class Broken(nn.Module):
    def forward(self, x):
        return torch.autograd.grad(  # broken code: no crash
