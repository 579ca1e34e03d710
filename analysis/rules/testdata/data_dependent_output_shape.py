import torch
import torch.nn.functional as F
from torch import Tensor, nn


class DataDependentOutputShape(nn.Module):
    def forward(self, x):
        return x[x > 0].sum()  # want:hint "x\[x > 0\] has a length that depends on tensor data \(boolean-mask indexing\)"


class Iteration(nn.Module):
    def forward(self, x: Tensor, scores: Tensor, repeats: Tensor):
        out = x.new_zeros(())
        for row in x.nonzero():  # want:error "the for loop iterates over x.nonzero\(\), whose length depends on tensor data \(nonzero\(\)\)"
            out = out + row.sum()
        keep = scores > 0.5
        picked = x[keep]
        total = sum(picked)  # want:error "sum\(\) iterates over picked, whose length depends on tensor data \(boolean-mask indexing\)"
        ids = torch.unique(x).tolist()  # want:error "tolist\(\) reads every element of torch.unique\(x\)"
        firsts = [v * 2 for v in x.masked_select(keep)]  # want:error "the comprehension iterates over x.masked_select\(keep\)"
        rows, cols = torch.where(keep)
        pairs = list(zip(rows, cols))  # want:error "zip\(\) iterates over rows, whose length depends on tensor data \(torch.where\(\) with one argument\)"
        a, b = x[x != 0]  # want:error "unpacking iterates over x\[x != 0\]"
        parts = x.repeat_interleave(repeats).unbind()  # want:error "unbind\(\) splits x.repeat_interleave\(repeats\)"
        values, counts = x.unique(return_counts=True)
        listed = [*values]  # want:error "unpacking with \* iterates over values"
        return out, total, ids, firsts, pairs, a, b, parts, listed, counts


class Slicing(nn.Module):
    def forward(self, x: Tensor, y: Tensor):
        idx = x.nonzero()  # want:off "x.nonzero\(\) has a length that depends on tensor data"
        n = idx.shape[0]
        head = y[:n]  # want:information "slice bound n is the length of x.nonzero\(\), which depends on tensor data \(nonzero\(\)\): strict export traces it"
        tail = y[:, : len(idx)]  # want:information "slice bound len\(idx\) is the length of x.nonzero\(\)"
        return head, tail


class Helpers(nn.Module):
    """Reached from forward through a method and a module-level helper of this file."""

    def forward(self, x: Tensor):
        return self._gather(x) + select_positive(x)

    def _gather(self, x: Tensor):
        pos = x.argwhere()
        return torch.stack([p.float() for p in pos])  # want:error "the comprehension iterates over pos, whose length depends on tensor data \(argwhere\(\)\)"


def select_positive(x: Tensor):
    return torch.sum(x[torch.isfinite(x)])  # want:hint "x\[torch.isfinite\(x\)\] has a length that depends on tensor data"


class PassedToHelpers(nn.Module):
    """A data-dependent tensor handed to a helper that iterates over its parameter: the
    semantic model says what traced callers pass."""

    def forward(self, x: Tensor):
        self._walk(x.nonzero())  # want:off "x.nonzero\(\) has a length"
        return count_rows(x[x > 0]) + count_rows(x.unique())  # want:off "x\[x > 0\] has a length" "x.unique\(\) has a length"

    def _walk(self, rows):
        for r in rows:  # want:error "the for loop iterates over rows, whose length depends on tensor data \(passed in by a traced caller\)"
            pass


def count_rows(t):
    return sum(1 for _ in t)  # want:error "the comprehension iterates over t, whose length depends on tensor data \(passed in by a traced caller\)"


def iterate_static(t):
    return [v for v in t]  # every caller passes a tensor of static length


class StaticCaller(nn.Module):
    def forward(self, x: Tensor):
        return iterate_static(x)


class Recognized(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("table", torch.arange(10))

    def forward(self, x: Tensor, mask: torch.BoolTensor):
        sel = x[mask]  # want:off "x\[mask\] has a length that depends on tensor data \(boolean-mask indexing\)"
        nz = torch.nonzero(x)  # want:off "torch.nonzero\(x\) has a length"
        mean = x.masked_select(x > 0).mean()  # want:off "x.masked_select\(x > 0\) has a length"
        picked = self.table[self.table > 3].sum()  # want:hint "self.table\[self.table > 3\] has a length"
        via_select = x.masked_select(mask).sum()  # want:hint "x.masked_select\(mask\) has a length"
        return sel, nz, mean, picked, via_select


class NearMisses(nn.Module):
    def forward(self, x: Tensor, idx: Tensor, mask: Tensor, lengths: Tensor):
        a = x[idx]  # integer (or unknown) index: static length
        b = x[mask]  # a mask given as a plain Tensor may hold indices: not recognised
        x[x < 0] = 0  # assignment through a mask keeps x's shape
        x[x > 10] += 1
        c = x.nonzero_static(size=4)  # static length
        d = x.repeat_interleave(2)  # int repeats: static length
        e = x.repeat_interleave(lengths, output_size=8)  # output_size given: static length
        f = torch.where(x > 0, x, 0)  # three arguments: elementwise, static shape
        for row in x:  # static length: tensor_to_python's concern when values drive Python
            a = a + row
        nz = x.nonzero()  # want:off "x.nonzero\(\) has a length"
        if len(nz) > 0:  # a condition on the length: unchecked_data_dependent_value's
            a = a + 1
        for i in range(nz.shape[0]):  # a loop count: unchecked_data_dependent_value's
            a = a + i
        first = nz[0]  # one row: static length
        for v in first:
            a = a + v
        u, inverse = torch.unique(x, return_inverse=True)  # want:off "torch.unique\(x, return_inverse=True\) has a length"
        for w in inverse:  # the inverse indices have x's shape
            a = a + w
        z = torch.zeros(nz.shape[0])  # a constructor marks the length as a size
        if not torch.compiler.is_exporting():
            for v in x.nonzero():  # never traced by export
                print(v)
        g = F.relu(x)
        return a, b, c, d, e, f, first, u, z, g


def not_traced(x: Tensor):
    return [v for v in x.nonzero()]  # no module reaches it


# A helper in another module that iterates over its argument (from .utils import iterate;
# iterate(x.nonzero())) is reported when the files are analysed as one project, as exportdb
# check and the editor do: TestDataShapeRulesAcrossFiles holds it (this fixture is one file).

