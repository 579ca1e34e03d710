import torch
from torch import nn
from functorch.experimental.control_flow import cond


class MySubModule(nn.Module):
    def foo(self, x):
        return x.cos()

    def forward(self, x):
        return self.foo(x)


class Branches(nn.Module):
    def __init__(self):
        super().__init__()
        self.subm = MySubModule()
        self.head = nn.Linear(3, 3)
        # eager, in __init__: not traced
        self.check = cond(True, self.bar, self.bar, (torch.zeros(3),))

    def bar(self, x):
        return x.sin()

    @staticmethod
    def twice(x):
        return x * 2

    @classmethod
    def halve(cls, x):
        return x / 2

    def forward(self, x):
        a = cond(x.shape[0] <= 2, self.subm.forward, self.bar, [x])  # want:off "cond branch self\.subm\.forward is the method MySubModule\.forward" "cond branch self\.bar is the method Branches\.bar"
        b = torch.cond(x.shape[0] > 4, self.subm, self.twice, (x,))  # want "cond branch self\.subm is the method MySubModule\.forward" "cond branch self\.twice is the method Branches\.twice"
        c = torch.cond(x.shape[0] > 4, Branches.halve, Branches.twice, (x,))  # want "Branches\.halve is the method Branches\.halve" "Branches\.twice is the method Branches\.twice"

        def true_fn(x):
            return x + 1

        d = torch.cond(x.shape[0] > 4, true_fn, lambda x: x - 1, (x,))  # nested function and lambda: not methods
        e = torch.cond(x.shape[0] > 4, self.head, self.head, (x,))  # nn.Linear is not defined in this file
        return a + b + c + d + e


def script(m, x):
    return cond(x.shape[0] > 2, m.bar, m.bar, [x])  # not traced
