import torch
import torch.nn as nn
from torch.autograd import Function

from mylib.ops import RoundSTE, _AllGather, swish_kernel


class GradReverse(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, alpha):
        ctx.alpha = alpha
        return x.view_as(x)

    @staticmethod
    def backward(ctx, grad_output):
        return -ctx.alpha * grad_output, None


class ClampGrad(Function):
    @staticmethod
    def forward(ctx, x):
        return x.clone()

    @staticmethod
    def backward(ctx, g):
        return g.clamp(-1, 1)


class ScaledClampGrad(ClampGrad):
    pass


grad_reverse = GradReverse.apply


class Config:
    @staticmethod
    def apply(x):
        return x


def reverse_helper(x):
    return ClampGrad.apply(x)  # want:warning "ClampGrad\.apply calls a custom autograd\.Function: export keeps its forward and drops its custom backward"


class DomainHead(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 2)
        self.fc.apply(self._init)  # nn.Module.apply in __init__: not a Function
        self.warm = GradReverse.apply(torch.ones(2), 1.0)  # __init__ is not traced

    def _init(self, m):
        pass

    def forward(self, x):
        a = GradReverse.apply(x, 0.5)  # want:warning "GradReverse\.apply calls a custom autograd\.Function"
        b = grad_reverse(x, 1.0)  # want:warning "grad_reverse calls the custom autograd\.Function GradReverse"
        c = reverse_helper(x)
        d = ScaledClampGrad.apply(x)  # want:warning "ScaledClampGrad\.apply calls"
        e = RoundSTE.apply(x)  # want:warning "RoundSTE\.apply calls"
        g = _AllGather.apply(x)  # want:warning "_AllGather\.apply calls"
        fn = ClampGrad.apply  # want:warning "ClampGrad\.apply calls"
        h = Config.apply(x)  # a plain class with a staticmethod named apply
        k = swish_kernel.apply(x)  # an imported lowercase name: not known to be a Function
        self.fc.apply(self._init)  # nn.Module.apply on a submodule
        return self.fc(a + b + c + d + e + g + fn(x) + h + k)


def train_step(x):
    return GradReverse.apply(x, 1.0)  # not traced: plain script code
