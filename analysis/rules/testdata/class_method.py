import torch as T
from torch import nn


class Normalizer(nn.Module):
    scale = 2.0

    @classmethod
    def method(cls, x):
        return x + 1

    @classmethod
    def scaled(cls, x):
        return cls.method(x) * cls.scale  # want:off "classmethod Normalizer\.method is inlined: export traces its body as part of Normalizer\.scaled"

    @classmethod
    def from_config(cls, cfg):
        return cls(cfg["dim"])

    @staticmethod
    def shift(x):
        return x - 1

    def __init__(self, dim=4):
        super().__init__()
        self.linear = nn.Linear(dim, 2)
        self.bias = self.method(T.zeros(2))  # __init__ is not traced

    def helper(self, x):
        return Normalizer.method(x)  # want:off "classmethod Normalizer\.method is inlined"

    def forward(self, x):
        x = self.linear(x)
        a = self.method(x)  # want:off "classmethod Normalizer\.method is inlined: export traces its body as part of Normalizer\.forward"
        b = self.__class__.method(x)  # want:off "classmethod Normalizer\.method"
        c = type(self).method(x)  # want:off "classmethod Normalizer\.method"
        d = self.scaled(x)  # want:off "classmethod Normalizer\.scaled"
        e = self.shift(x)  # a staticmethod: not this case
        f = self.helper(x)
        return a * b * c + d + e + f


class Child(Normalizer):
    def forward(self, x):
        return self.method(x)  # want:off "classmethod Normalizer\.method is inlined: export traces its body as part of Child\.forward"


def build():
    m = Normalizer.from_config({"dim": 4})  # script code: not traced
    return m, Normalizer.method(T.ones(2))
