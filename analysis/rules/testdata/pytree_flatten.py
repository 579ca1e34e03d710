import torch
import torch.utils._pytree as pt
from torch import nn
from torch.utils import _pytree as pytree
from torch.utils._pytree import tree_leaves, tree_map


def tree_flatten(x):  # a local function with the same name
    return [x], None


def flatten_inputs(inputs):
    leaves, spec = pytree.tree_flatten(inputs)  # want:off "pytree\.tree_flatten is captured while tracing: only the tensor operations on the leaves reach the graph"
    return leaves, spec


class PytreeFlatten(nn.Module):
    def __init__(self, example):
        super().__init__()
        self.n_leaves = len(pytree.tree_leaves(example))  # __init__ is not traced

    def forward(self, x):
        y, spec = pytree.tree_flatten(x)  # want:off "pytree\.tree_flatten is captured"
        z = tree_leaves(x)  # want:off "tree_leaves is captured"
        leaves, s2 = flatten_inputs(x)
        w = tree_map(lambda t: t * 2, x)  # tree_map is not flattening
        a, _ = tree_flatten(y[0])  # the local function, not pytree
        out = pt.tree_unflatten([y[0] + 1] * len(y), spec)  # want:off "pt\.tree_unflatten is captured"
        return out, z[0], leaves[0], w, a[0]


def main():
    x = {"a": torch.ones(2), "b": [torch.zeros(2)]}
    leaves, spec = pytree.tree_flatten(x)  # script code: not traced
    return PytreeFlatten(x)(x), leaves, spec
