import torch as T
from torch import nn
from functorch.experimental.control_flow import cond


def free_true(x):
    return x + 1


def free_false(x):
    return x - 1


class Nested(nn.Module):
    def __init__(self):
        super().__init__()

        def init_branch(v):
            return v

        # __init__ is never traced
        self.probe = cond(True, init_branch, init_branch, (T.zeros(1),))

    def helper(self, x):
        return x * 3

    def forward(self, x):
        def true_fn(x):
            def inner_true_fn(y):
                return x + y

            return inner_true_fn(x)

        def false_fn(x):
            def inner_false_fn(y):
                return x - y

            return inner_false_fn(x)

        a = cond(x.shape[0] < 10, true_fn, false_fn, [x])  # want:off "cond branch true_fn is a nested function defined in Nested\.forward" "cond branch false_fn is a nested function"
        b = T.cond(x.shape[0] < 10, lambda v: v.cos(), lambda v: v.sin(), (x,))  # want "cond branch lambda v: v\.cos\(\) is a lambda defined in Nested\.forward" "lambda v: v\.sin\(\) is a lambda"
        c = T.cond(x.shape[0] < 10, free_true, free_false, (x,))  # module-level functions: not nested
        d = T.cond(x.shape[0] < 10, self.helper, free_false, (x,))  # a method: cond_branch_class_method
        return a + b + c + d


def script(x):
    def t(v):
        return v

    return cond(x.shape[0] < 10, t, t, [x])  # not traced
