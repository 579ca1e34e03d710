import math
from math import sqrt as msqrt

import torch
from torch import Tensor, nn


class TensorToPython(nn.Module):
    def forward(self, x):
        return x / math.sqrt(x.var())  # want:error "math.sqrt\(\) needs a Python number, but x.var\(\) is a tensor"


class Conversions(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("steps", torch.tensor(3))
        self.experts = nn.ModuleList([nn.Linear(4, 4) for _ in range(3)])
        self.scales = [1.0, 2.0, 4.0]
        self.table = {"a": 1}

    def forward(self, x: Tensor, n: Tensor, k: int):
        for i in range(n):  # want:error "range\(\) needs a Python int, but n is a tensor"
            x = x + i
        for _ in range(self.steps):  # want:error "range\(\) needs a Python int, but self.steps is a tensor"
            x = x * 2
        ys = [x * j for j in range(n.max().item())]  # want:error "range\(n.max\(\).item\(\)\) in a comprehension runs a number of times read from tensor data"
        a = math.exp(x.mean())  # want:error "math.exp\(\) needs a Python number, but x.mean\(\) is a tensor"
        b = msqrt(self.steps)  # want:error "math.sqrt\(\) needs a Python number, but self.steps is a tensor"
        c = math.pow(x.sum(), 2)  # want:error "math.pow\(\) needs a Python number"
        d = math.atan2(x.sum(), 1.0)  # want:error "math.atan2\(\) needs a Python number"
        e = math.fabs(x.min())  # want:error "math.fabs\(\) needs a Python number"
        flag = any(x > 0)  # want:error "Python's any\(\) takes the truth value of each element of tensor x > 0"
        every = all(x.isfinite())  # want:error "Python's all\(\) takes the truth value of each element"
        order = sorted(x)  # want:error "Python's sorted\(\) compares the elements of tensor x"
        layer = self.experts[x.argmax()]  # want:error "the ModuleList self.experts is indexed by tensor x.argmax\(\)"
        scale = self.scales[n.item()]  # want:error "the list self.scales is indexed by n.item\(\), a value read from tensor data"
        picks = [1, 2, 3]
        pick = picks[n]  # want:error "the list picks is indexed by tensor n"
        return ys, a, b, c, d, e, flag, every, order, layer, scale, pick


class Iteration(nn.Module):
    def forward(self, x: Tensor, w: Tensor):
        out = []
        for v in x:
            if v > 0:  # want:error "if on v, an element of tensor x taken by Python iteration, cannot be decided"
                out.append(v)
            elif v.shape[0] > 2:  # only the row's shape: static
                out.append(v * 2)
        for s in w.tolist():
            while s > 1:  # want:error "while on s, a number read from tensor data by .tolist\(\) taken by Python iteration"
                s = s / 2
        for i, row in enumerate(x):
            out.append(row if row.sum() > 0 else -row)  # want:error "conditional expression on row, an element of tensor x"
        kept = [r for r in x if r.max() > 0]  # want:error "comprehension if on r, an element of tensor x"
        return out, kept


class Helpers(nn.Module):
    """Reached from forward through a method and a module-level helper of this file."""

    def forward(self, x: Tensor):
        return self._norm(x) + clip(x)

    def _norm(self, x: Tensor):
        return x / math.log1p(x.abs().sum())  # want:error "math.log1p\(\) needs a Python number"


def clip(x: Tensor):
    return [i for i in range(x.argmax())]  # want:error "range\(\) needs a Python int, but x.argmax\(\) is a tensor"


class PassedToHelpers(nn.Module):
    """Helpers judged by what the traced callers pass (the semantic model)."""

    def forward(self, x: Tensor):
        return scale_by(x, x.var()) + scale_by(x, x.mean()) + repeat(x, 3)


def scale_by(x, s):
    return x / math.sqrt(s)  # want:error "math.sqrt\(\) needs a Python number, but s is a tensor"


def repeat(x, n):
    for _ in range(n):  # every caller passes a Python int
        x = x * 2
    return x


class NearMisses(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.ModuleList([nn.Linear(4, 4) for _ in range(2)])
        self.n = 3

    def forward(self, x: Tensor, n, k: int, mask: Tensor):
        a = math.sqrt(x.shape[-1])  # a size, not data
        b = math.sqrt(k)  # a Python int
        c = math.sqrt(n)  # a bare parameter may be a Python number
        for i in range(self.n):  # a constant count
            x = self.layers[i % 2](x)
        for j in range(x.shape[0]):  # a size: static_for_loop's
            x = x + j
        for i in range(len(self.layers)):
            x = self.layers[i](x)  # a Python int index
        for v in x:
            if v.dim() > 1:  # metadata only
                x = x + v
        for v in x:
            x = x + v  # iteration alone is unrolled
        for idx in x.nonzero():  # a data-dependent length: data_dependent_output_shape's
            if idx[0] > 0:
                x = x + 1
        m = max(x.norm(), 1e-6)  # strict export rewrites it as torch.clamp
        s = sum(x)  # adds the rows: unrolled, no comparison
        t = int(x.sum())  # written out: host_round_trip's
        layer = self.layers[int(mask.sum())]  # int() written out: host_round_trip's
        u = math.sqrt(float(x.sum()))  # float() written out: host_round_trip's
        d = math.sqrt(2.0)
        if not torch.compiler.is_exporting():
            e = math.sqrt(x.var())  # never traced by export
        return a, b, c, m, s, t, layer, u, d


def not_traced(x: Tensor):
    return math.sqrt(x.var())  # no module reaches it


# A helper in another module that calls math.sqrt on its parameter is reported when the files
# are analysed as one project, as exportdb check and the editor do: TestDataShapeRulesAcrossFiles
# holds it (this fixture is one file).
