import functools
import time

import torch
from torch import nn


def add_one(func):
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        return func(*args, **kwargs) + 1

    return wrapper


def timed(label):
    def deco(func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            start = time.time()
            out = func(*args, **kwargs)
            print(label, time.time() - start)
            return out

        return wrapper

    return deco


@add_one  # want:off "decorator add_one wraps project: export traces through the wrapper"
def project(x, w):
    return x @ w


@add_one
def unused_helper(x):  # never reached from forward: not traced
    return x


class Block(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.w = nn.Parameter(torch.randn(dim, dim))
        self._cache = {}

    @property
    def dim(self):
        return self.w.shape[0]

    @staticmethod
    def act(x):
        return torch.relu(x)

    @timed("block")  # want:off "decorator timed wraps Block\.mix"
    def mix(self, x):
        return project(x, self.w)

    @torch.no_grad()  # want:off "decorator torch\.no_grad wraps Block\.forward"
    def forward(self, x):
        return self.act(self.mix(x))


class Decorated(nn.Module):
    @add_one  # want:off "decorator add_one wraps Decorated\.forward: export traces through the wrapper and inlines it into the graph"
    def forward(self, x, y):
        return x + y

    @add_one
    def export_helper(self, x):  # not called from forward: not traced
        return x


@timed("script")
def run(model, x):  # script code: not traced
    return model(x)
