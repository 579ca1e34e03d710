import torch
from torch import nn
import torch.nn.functional as F

counter = 0


def make_scale(k):
    def scale(v):
        return v * k  # a factory at module level: never traced

    return scale


class Block(nn.Module):
    def __init__(self, dim: int = 4):
        super().__init__()
        self.proj = nn.Linear(dim, dim)
        width = dim * 2

        def init_helper():
            return width  # __init__ is never traced

        self.width = init_helper()

    def forward(self, a, b):
        x = a + b
        z = a - b

        def closure(y):  # want:off "nested function closure rebinds x of Block\.forward through nonlocal; export traces the update"
            nonlocal x
            x += 1
            return x * y + z

        def act(y):  # want:off "nested function act closes over z of Block\.forward"
            return F.gelu(y) + z

        def pure(y):
            return F.relu(y) * 2  # no closure: nothing to explain

        def uses_self(y):
            return self.proj(y)  # only self: nothing to explain

        def outer(y):  # want:off "nested function outer closes over x and z"
            def inner(w):  # want:off "nested function inner closes over y of Block\.forward\.outer"
                return w + y

            return inner(x) + z

        def bump(y):
            global counter  # a global write belongs to another case
            counter += 1
            return y

        return closure(x) + act(x) + pure(z) + uses_self(x) + outer(x) + bump(x)


def script(a):
    total = a

    def add(v):
        nonlocal total
        total += v  # not traced

    add(1)
    return total
