import torch
from torch import nn


class A:
    @classmethod
    def func(cls, x):
        return 1 + x


class B(A):
    @staticmethod
    def scale(x):
        return 2 * x


class TypeReflectionMethod(torch.nn.Module):
    """The ExportDB example."""

    def __init__(self):
        super().__init__()
        a = A()
        self.offset = type(a).func(0)  # __init__ is not traced

    def forward(self, x):
        a = A()
        return type(a).func(x)  # want:hint "type\(a\).func\(\) picks the method from the class of a seen while tracing"


class Pick(nn.Module):
    def helper(self, x):
        return x

    def forward(self, x, obj):
        b = B()
        y = type(b).scale(x)  # want "type\(b\).scale\(\)"
        y = type(obj).func(y)  # want "type\(obj\).func\(\)"
        c = A()
        if x.sum() > 0:
            c = B()
        y = type(c).func(y)  # want "type\(c\).func\(\)"
        y = type(self).helper(self, y)  # type(self): a method of the module
        return (type(b)).scale(y)  # want "type\(b\).scale\(\)"


def make(x):
    a = A()
    return type(a).func(x)  # script code: not traced
