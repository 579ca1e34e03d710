import torch
from torch import nn
from functorch.experimental.control_flow import cond


class Counter(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("scale", torch.ones(1))
        total = torch.zeros(1)

        def init_true(v):
            nonlocal total
            return v + total

        # __init__ is never traced
        self.probe = cond(True, init_true, init_true, (total,))

    def forward(self, x):
        my_tensor_var = x + 100
        my_primitive_var = 3.14

        def true_fn(x, y, z):
            return x + y + z

        def false_fn(x, y, z):
            return x - y - z

        a = cond(
            x.shape[0] > 5,
            true_fn,
            false_fn,
            [x, my_tensor_var, torch.tensor(my_primitive_var)],  # want:off "cond passes my_tensor_var to its branches as an operand instead of capturing it"
        )

        def bad_true(y):
            nonlocal my_tensor_var, my_primitive_var  # want:error "cond branch bad_true declares my_tensor_var and my_primitive_var nonlocal"
            return y + my_tensor_var + my_primitive_var

        def bad_false(y):
            nonlocal my_tensor_var  # want:error "cond branch bad_false declares my_tensor_var nonlocal"
            my_tensor_var += 1  # reported once, on the nonlocal statement
            return y - my_tensor_var

        b = torch.cond(x.shape[0] > 5, bad_true, bad_false, (x,))

        acc = torch.zeros_like(x)

        def accumulate(y):
            acc.add_(y)  # want:error "cond branch accumulate mutates acc of Counter\.forward in place \(acc\.add_\(\)\)"
            return y * 2

        def reads(y):
            tmp = acc.clone()
            tmp.add_(y)  # a local copy: allowed
            return tmp + acc

        c = torch.cond(x.sum() > 0, accumulate, reads, (x,))
        d = torch.cond(x.sum() > 0, reads, reads, (x,))  # reads acc without changing it

        def counter(y):
            nonlocal my_primitive_var  # not a cond branch: nested_function's business
            my_primitive_var += 1.0
            return y

        e = counter(x)
        f = torch.cond(x.shape[0] > 5, true_fn, false_fn, (x, x, x))  # only arguments of forward
        return a + b + c + d + e + f


def script(x):
    v = x + 1

    def t(y):
        nonlocal v
        return y + v

    return cond(x.shape[0] > 5, t, t, [x])  # not traced
