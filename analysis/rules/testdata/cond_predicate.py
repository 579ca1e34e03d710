import torch as T
from torch import nn
from functorch.experimental.control_flow import cond
import functorch.experimental.control_flow as control_flow


class Router(nn.Module):
    def __init__(self, use_fast: bool = True):
        super().__init__()
        self.use_fast = use_fast
        self.fast = nn.Linear(4, 4)
        self.slow = nn.Linear(4, 4)
        probe = T.zeros(4)
        self.warm = T.cond(probe > 0, lambda v: v, lambda v: v, (probe,))  # __init__: not traced

    def forward(self, x, mask, step):
        pred = x.dim() > 2 and x.shape[2] > 10
        a = cond(pred, lambda x: x.cos(), lambda y: y.sin(), [x])  # want:off "cond predicate pred tests a dimension"
        b = T.cond(x.shape[0] > 4, lambda x: x.cos(), lambda x: x.sin(), (x,))  # want:off "tests a dimension"
        c = T.cond(x.sum() > 0, lambda x: x.cos(), lambda x: x.sin(), (x,))  # want:off "cond predicate x\.sum\(\) > 0"
        d = T.cond(x > 0, lambda x: x.cos(), lambda x: x.sin(), (x,))  # want:error "cond predicate x > 0 is elementwise over the operand x"
        e = T.cond(x, lambda x: x.cos(), lambda x: x.sin(), (x,))  # want:error "cond predicate x is elementwise over the operand x"
        positive = x > 0
        f = T.cond(positive, lambda x: x.cos(), lambda x: x.sin(), (x,))  # want:error "cond predicate positive is elementwise over the operand x"
        g = T.cond(True, lambda x: x.cos(), lambda x: x.sin(), (x,))  # want:information "cond predicate True is a constant: only one branch is exported"
        h = T.cond((x, mask), lambda x: x.cos(), lambda x: x.sin(), (x,))  # want:error "neither a bool nor a tensor"
        i = T.cond(mask, lambda x: x.cos(), lambda x: x.sin(), (x,))  # want:off "cond predicate mask"
        j = T.cond(step > 0, lambda x: x.cos(), lambda x: x.sin(), (x,))  # want:off "cond predicate step > 0"
        k = T.cond(x.any(), lambda x: x.cos(), lambda x: x.sin(), (x,))  # want:off "cond predicate x\.any\(\)"
        m = T.cond(x[0] > 0, lambda x: x.cos(), lambda x: x.sin(), (x,))  # want:off "cond predicate x\[0\] > 0"
        n = control_flow.cond(x.shape[0] > 4, lambda x: x.cos(), lambda x: x.sin(), (x,))  # want:off "tests a dimension"
        o = T._higher_order_ops.cond(x.sum() > 0, lambda x: x.cos(), lambda x: x.sin(), (x,))  # want:off "selects the branch"
        return a + b + c + d + e + f + g + h + i + j + k + m + n + o


def script(x):
    return cond(x > 0, lambda v: v, lambda v: v, (x,))  # not traced
