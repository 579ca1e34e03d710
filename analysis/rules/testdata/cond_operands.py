import torch
import torch as T
from torch import nn
from functorch.experimental.control_flow import cond
from torch._higher_order_ops.cond import cond as hop_cond


def scale(x, y):
    return x * y


def shift(x, y):
    return x - y


class Gate(nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(8, 8)
        # eager code in __init__ is never traced
        self.probe = cond(True, lambda a: a, lambda a: a, torch.zeros(2))

    def bar(self, x, y):
        return x + y

    @staticmethod
    def mix(x, y):
        return x * 0.5 + y

    def forward(self, x: torch.Tensor, y: torch.Tensor, flag):
        def true_fn(x, y):
            return x + y

        def false_fn(x, y):
            return x - y

        def one(x):
            return x.cos()

        def other(x):
            return x.sin()

        def bump(x, y):
            x.add_(y)  # want:error "cond branch bump mutates its input x in place \(x\.add_\(\)\)"
            return x

        def fill(x, y):
            x[0] = 0.0  # want "cond branch fill mutates its input x in place \(x\[\.\.\.\] = \.\.\.\)"
            y += 1  # want "cond branch fill mutates its input y in place \(y \+= \.\.\.\)"
            return x + y

        def scratch(x, y):
            out = x.clone()
            out.add_(y)  # in-place on an intermediate result: allowed
            x = x * 2
            x.mul_(3)  # x was rebound first: no longer the input
            return out + x

        a = cond(x.shape[0] > 2, true_fn, false_fn, [x, y])  # want:off "cond passes \[x, y\] to both branches"
        b = torch.cond(x.shape[0] > 2, one, other, x)  # want:error "cond operands x is a tensor, not a list or tuple of tensors"
        c = T.cond(flag, true_fn, other, (x, y))  # want:error "cond branch other takes 1 argument but operands has 2"
        d = torch.cond(flag, self.bar, self.mix, (x, y))  # want:off "cond passes"
        e = cond(flag, true_fn, false_fn, [x, 3.14])  # want:error "cond operand 3\.14 is not a tensor"
        g = torch.cond(flag, bump, true_fn, (x, y))
        h = torch.cond(flag, fill, scratch, (x, y))
        ops = (x, y)
        i = torch.cond(flag, shift, scale, ops)  # want "cond passes ops"
        parts = x.chunk(2)
        j = torch.cond(flag, true_fn, false_fn, parts)  # a tuple of tensors: fine, count unknown
        k = torch.cond(flag, one, other, {"x": x})  # want:error "cond operands \{.x.: x\} is not a list or tuple"
        m = torch.cond(flag, lambda x, y: x * y, lambda x: x, (x, y))  # want "cond branch lambda x: x takes 1 argument but operands has 2"
        n = hop_cond(flag, one, other, x)  # want "cond operands x is a tensor"
        o = torch.cond(pred=flag, true_fn=one, false_fn=other, operands=(x,))  # want "cond passes \(x,\)"
        p = torch.cond(flag, Gate.bar, scale, (x, y))  # want "cond branch Gate.bar takes 3 arguments but operands has 2"
        q = torch.cond(flag, one, other, (self.proj(x),))  # want "cond passes"
        r = torch.cond(flag, one, lambda: x * 2)  # want "cond branch one takes 1 argument but no operands are passed"
        s = torch.cond(flag, lambda: x + 1, lambda: x * 2)  # closures without operands: fine
        return a + b + c + d + e + g + h + i + j + k + m + n + o + p + q + r + s


class Untyped(nn.Module):
    def forward(self, x, xs):
        def keep(v):
            return v

        # x is read as a tensor (x.shape), so the bare operand is one tensor
        a = cond(x.shape[1] > 32, keep, keep, x)  # want:error "cond operands x is a tensor, not a list or tuple of tensors"
        # nothing says what xs is: it may well be a tuple of tensors
        b = cond(x.shape[1] > 32, keep, keep, xs)
        return a, b


class Plain:
    def run(self, x):
        # not a module: never traced
        return cond(x.shape[0] > 2, lambda v: v, lambda v: v, x)


def script():
    x = torch.randn(3)
    return cond(x.shape[0] > 2, lambda v: v, lambda v: v, x)
