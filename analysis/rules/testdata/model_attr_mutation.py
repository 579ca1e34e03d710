import torch
import torch as T
from torch import nn


class ListState(nn.Module):
    """The ExportDB example: a list of tensors rebuilt in forward."""

    def __init__(self):
        super().__init__()
        self.attr_list = [torch.randn(3, 2), torch.randn(3, 2)]

    def recreate_list(self):
        return [torch.zeros(3, 2), torch.zeros(3, 2)]

    def forward(self, x):
        self.attr_list = self.recreate_list()  # want:information "module attribute self.attr_list is reassigned in forward; the exported program does not replay"
        return x.sum() + self.attr_list[0].sum()


class RunningMean(nn.Module):
    def __init__(self, dim: int):
        super().__init__()
        self.mean = torch.zeros(dim)
        self.momentum = 0.1
        self.steps = 0
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):
        self.mean = (1 - self.momentum) * self.mean + self.momentum * x.mean(0)  # want:warning "self.mean is reassigned with a tensor in forward"
        self.steps = 0  # a Python constant: dynamo keeps it as module state
        self.steps += 1  # a number, not a tensor
        return self.proj(x - self.mean)

    def reset(self):
        self.mean = torch.zeros_like(self.mean)  # never traced by export


class Scratch(nn.Module):
    """A value stored on self only to be read later in the same call."""

    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(4, 4)

    def forward(self, x):
        self._h = self.lin(x)  # want:warning "self._h is reassigned with a tensor"
        y = self._h.relu()
        return y + self._h


class Masked(nn.Module):
    def __init__(self, n: int):
        super().__init__()
        self.n = n

    def forward(self, x):
        self.mask = torch.ones(4, 4).tril()  # want:warning "self.mask is reassigned with a tensor"
        return x.masked_fill(self.mask == 0, 0.0)


class Ema(T.nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("avg", torch.zeros(4))
        self.register_buffer("seen", torch.zeros(4))

    def forward(self, x):
        self.avg = 0.9 * self.avg + 0.1 * x  # want:information "buffer self.avg is reassigned in forward; update it in place"
        self.seen.add_(1)  # in-place update of a buffer: fine
        self.seen += 1  # want:off "buffer self.seen is updated in place in forward; export records a buffer mutation"
        self.seen[0] = 1.0  # item assignment into a buffer: fine
        return self.avg


class Accumulate(nn.Module):
    def __init__(self):
        super().__init__()
        self.total = torch.zeros(4)

    def forward(self, x):
        self.total += x  # want:warning "tensor attribute self.total is updated in place in forward but is not a registered buffer"
        return self.total


class Helpers(nn.Module):
    def __init__(self):
        super().__init__()
        self.last = None

    def remember(self, y):
        self.last = y  # want:warning "self.last is reassigned with a tensor in remember"

    def forward(self, x):
        def scale(v):
            self.factor = v.std()  # want:warning "self.factor is reassigned with a tensor in scale"
            return v / self.factor

        y = scale(x)
        self.lo, self.hi = y.min(), y.max()  # want "self.lo is reassigned" "self.hi is reassigned"
        self.remember(y)
        return y.clamp(self.lo, self.hi)


class Metrics(nn.Module):
    """State recorded only outside compilation: export never runs those lines."""

    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(4, 4)
        self._gate_mean = None

    def _record(self, g):
        if not self.training or torch.compiler.is_compiling():
            return
        self._gate_mean = g.mean()  # after an early return under a compile guard

    def forward(self, x):
        g = self.lin(x)
        self._record(g)
        if not torch._dynamo.is_compiling():
            self.last_out = g  # under a compile guard
        return g


class ExportOnly(nn.Module):
    """Mutations that run while exporting, whatever else the condition mentions."""

    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(4, 4)
        self.is_compiling_flag = False

    def forward(self, x):
        g = self.lin(x)
        if torch.compiler.is_exporting():
            self.export_out = g  # want "self.export_out is reassigned" (runs only while exporting)
        if self.is_compiling_flag:
            self.flagged = g  # want "self.flagged is reassigned" (a setting, not a guard)
        exporting = torch.compiler.is_exporting()
        if not exporting:
            self.eager_only = g  # a guard read through a name: export never runs it
        return g


class Tracker:
    """Not a module: objects built and mutated in forward are fine."""

    def __init__(self):
        self.value = None

    def update(self, v):
        self.value = v


class UsesTracker(nn.Module):
    def forward(self, x):
        tr = Tracker()
        tr.update(x)
        return x


def train_step(model, x):
    model.total = x  # script code: not traced
    return model(x)
