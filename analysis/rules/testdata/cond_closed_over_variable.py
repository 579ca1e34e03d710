import torch
from torch import nn
from functorch.experimental.control_flow import cond as fcond

SCALE = 2.0


class Closures(nn.Module):
    def __init__(self, bias: float = 0.5):
        super().__init__()
        self.bias = bias
        self.proj = nn.Linear(2, 2)
        w = torch.ones(2)

        def init_true(v):
            return v + w

        # __init__ is never traced
        self.probe = fcond(True, init_true, init_true, (w,))

    def forward(self, pred, x, y):
        def true_fn(val):
            return x * 2

        def false_fn(val):
            return x - 2

        def scaled(val):
            return val * SCALE  # a module-level constant is not a closure variable

        def proj(val):
            return self.proj(val)  # self alone is not reported

        def both(val):
            return val + x + y

        a = fcond(pred, true_fn, false_fn, [x + 1])  # want:off "cond branch true_fn closes over x of Closures\.forward" "cond branch false_fn closes over x"
        b = torch.cond(pred, both, scaled, (x,))  # want "cond branch both closes over x and y of Closures\.forward"
        c = torch.cond(pred, lambda v: v + y, proj, (x,))  # want "cond branch lambda v: v \+ y closes over y"
        d = torch.cond(pred, scaled, proj, (x,))  # no closure over variables of forward
        return a + b + c + d


def script(pred, x):
    def t(v):
        return x

    return fcond(pred, t, t, [x])  # not traced
