import torch
from functorch.experimental.control_flow import cond as ft_cond
from torch import Tensor, nn

COUNTS = []


class CondBranchContract(nn.Module):
    def forward(self, x):
        def true_fn(x):
            return x * 2

        def false_fn(x):
            return x > 0  # want:error "cond branches return different dtypes: true_fn returns x \* 2 \(not bool\) and false_fn returns x > 0 \(bool\)"

        return torch.cond(x.sum() > 0, true_fn, false_fn, (x,))


class Outputs(nn.Module):
    def forward(self, x: Tensor, y: Tensor):
        def two(x, y):
            return x.sin(), y

        def one(x, y):
            return x.cos()  # want:error "cond branches return different numbers of outputs: two returns 2 outputs and one returns 1 output"

        a = torch.cond(x.sum() > 0, two, one, (x, y))
        b = torch.cond(x.sum() > 0, lambda x: x.float(), lambda x: x.long(), (x,))  # want:error "cond branches return different dtypes: lambda x: x.float\(\) returns x.float\(\) \(float32\) and lambda x: x.long\(\) returns x.long\(\) \(int64\)"
        c = torch.cond(x.sum() > 0, lambda x: x.sum(), lambda x: x * 2, (x,))  # want:error "cond branches return different shapes: x.sum\(\) is a 0-d reduction and x \* 2 is shaped like the operand x"
        d = torch.cond(x.sum() > 0, lambda x: x[x > 0], lambda x: x, (x,))  # want:error "cond branch lambda x: x\[x > 0\] returns x\[x > 0\], whose length depends on tensor data \(boolean-mask indexing\)"
        e = ft_cond(x.sum() > 0, lambda x, y: (x, y.to(torch.int64)), lambda x, y: (x, y.to(dtype=torch.float16)), [x, y])  # want:error "different dtypes for output 2: .* \(int64\) and .* \(float16\)"
        return a, b, c, d, e


class State(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("buf", torch.zeros(4))
        self.calls = 0
        self.cache = []
        self.total = torch.zeros(4)
        self.w = nn.Parameter(torch.ones(4))
        self.proj = nn.Linear(4, 4)

    def forward(self, x: Tensor):
        outs = []

        def true_fn(x):
            self.buf.add_(1)  # want:error "cond branch true_fn mutates module state self.buf in place \(add_\(\)\)"
            self.calls += 1  # want:error "cond branch true_fn sets module attribute self.calls"
            self.cache.append(x)  # want:error "cond branch true_fn changes module state self.cache \(append\(\)\)"
            outs.append(x)  # want:error "cond branch true_fn changes outs of State.forward \(append\(\)\)"
            COUNTS.append(1)  # a module-level container: python_side_effect's
            return x.sin()

        def false_fn(x):
            global COUNTS  # want:error "cond branch false_fn declares a global"
            self.buf[0] = 1.0  # want:error "cond branch false_fn writes into module state self.buf"
            self.buf += 1  # want:error "cond branch false_fn sets module attribute self.buf"
            self.total.mul_(2)  # want:error "cond branch false_fn mutates module state self.total in place \(mul_\(\)\)"
            # owned by other rules: parameters and .data (module_state_in_forward), tensors
            # assigned to attributes and in-place arithmetic on non-buffer tensor attributes
            # (model_attr_mutation)
            self.w.mul_(2)
            self.w[0] = 0.0
            self.proj.weight.zero_()
            self.buf.data.zero_()
            self.total = self.total + x
            self.total += 1
            return x.cos()

        return torch.cond(x.sum() > 0, true_fn, false_fn, (x,)), outs


class MethodBranches(nn.Module):
    """Branches that are methods of the module, reached through self."""

    def __init__(self):
        super().__init__()
        self.register_buffer("seen", torch.zeros(()))

    def branch_a(self, x):
        self.seen.copy_(x.sum())  # want:error "cond branch self.branch_a mutates module state self.seen in place \(copy_\(\)\)"
        return x.sin(), x.cos()

    def branch_b(self, x):
        return x.sin()  # want:error "cond branches return different numbers of outputs: self.branch_a returns 2 outputs and self.branch_b returns 1 output"

    def forward(self, x: Tensor):
        return torch.cond(x.shape[0] > 2, self.branch_a, self.branch_b, (x,))


def shared_true(x):
    return x.unique()  # want:error "cond branch shared_true returns x.unique\(\), whose length depends on tensor data \(unique\(\)\)"


def shared_false(x):
    return x


class ModuleLevelBranches(nn.Module):
    def forward(self, x: Tensor):
        a = torch.cond(x.sum() > 0, shared_true, shared_false, (x,))
        b = torch.cond(x.mean() > 0, shared_true, shared_false, (x,))  # the same branches: reported once
        return a, b


class NearMisses(nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(4, 4)
        self.register_buffer("buf", torch.zeros(4))

    def forward(self, x: Tensor, y: Tensor):
        a = torch.cond(x.sum() > 0, lambda x: x.sin(), lambda x: x.cos(), (x,))  # same shape and dtype
        b = torch.cond(x.sum() > 0, lambda x: x * 2, lambda x: x + 1, (x,))
        c = torch.cond(x.sum() > 0, lambda x: self.proj(x), lambda x: x, (x,))  # unknown: a layer's output
        d = torch.cond(x.sum() > 0, lambda x: x.sum(), lambda x: x.mean(), (x,))  # both 0-d
        e = torch.cond(x.sum() > 0, lambda x, y: x + y, lambda x, y: x - y, (x, y))  # shaped by broadcasting: unknown

        def helper(x):
            return x, x

        f = torch.cond(x.sum() > 0, lambda x: helper(x), lambda x: (x, x), (x,))  # a call may return a tuple

        def local_state(x):
            acc = []
            acc.append(x)  # a branch's own list
            tmp = x.clone()
            tmp.add_(1)  # an intermediate result may be updated in place
            return tmp

        g = torch.cond(x.sum() > 0, local_state, lambda x: x, (x,))

        def reads_state(x):
            return x + self.buf  # reading module state is fine

        h = torch.cond(x.sum() > 0, reads_state, lambda x: x, (x,))
        i = torch.cond(x.sum() > 0, lambda x: (x > 0).float(), lambda x: x * 2, (x,))  # the cast is float: same dtype
        return a, b, c, d, e, f, g, h, i


def not_traced(x: Tensor):
    return torch.cond(x.sum() > 0, lambda x: x, lambda x: x > 0, (x,))  # no module reaches it


# Branches imported from another module (from .branches import true_fn, false_fn) are not
# compared yet: the cond rules resolve branch functions within the file (condResolveBranch), and
# reports on two files' code for one call wait for that resolution to use the project.
