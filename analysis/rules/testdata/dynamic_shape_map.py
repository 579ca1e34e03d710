import torch
from torch import nn
from functorch.experimental.control_flow import map
from torch._higher_order_ops.map import map as hop_map


def add_bias(x, b):
    return x + b


class Mapper(nn.Module):
    def __init__(self, depth: int = 2):
        super().__init__()
        self.depth = depth
        self.layer = nn.Linear(2, 2)
        w = torch.ones(2)

        def init_body(x):
            return x * w

        # __init__ is never traced
        self.warm = map(init_body, torch.zeros(3, 2))

    def forward(self, xs, y, fn):
        def body(x, y):
            return x + y

        def captures(x):
            return x * y

        def scaled(x):
            return x * self.depth  # self is not reported

        a = map(body, xs, y)  # want:off "map applies body to each slice of its input along dim 0"
        b = hop_map(add_bias, xs, y)  # want:off "map applies add_bias"
        c = map(captures, xs)  # want:information "map body captures closes over y of Mapper\.forward; pass them to map as extra arguments"
        d = map(lambda x: x - y, xs)  # want:information "map body lambda x: x - y closes over y"
        e = map(fn, xs)  # want:information "map body fn is not a function defined in this file"
        f = map(torch.sin, xs)  # want:off "map applies torch\.sin"
        g = map(self.layer, xs)  # want:off "map applies self\.layer"
        h = map(scaled, xs)  # want:off "map applies scaled"
        n = self.depth
        i = map(lambda x: x * n, xs)  # want:off "map applies lambda" (n is read from the module's config)
        h2 = self.layer(xs)
        j = map(lambda x: x + h2, xs)  # want:information "closes over h2"
        k = torch._higher_order_ops.map(body, xs, y)  # want:off "map applies body"
        return a, b, c, d, e, f, g, h, i, j, k


def script(xs, y):
    def body(x):
        return x + y

    return map(body, xs)  # not traced
