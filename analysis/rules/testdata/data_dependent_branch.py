import torch
import torch.nn.functional as F
from torch import Tensor, nn


class DataDependentBranch(nn.Module):
    def forward(self, x):
        if x.mean() > 0.5:  # want:error "if branches on the value of tensor x.mean\(\) > 0.5: export cannot decide it while tracing"
            return x * 2
        return x - 1


class Gate(nn.Module):
    def __init__(self, dim: int = 8, threshold: float = 0.5):
        super().__init__()
        self.proj = nn.Linear(dim, dim)
        self.threshold = threshold
        self.register_buffer("running", torch.zeros(dim))
        w = torch.randn(dim)
        if w.sum() > 0:  # __init__ is not traced
            self.flip = True

    def forward(self, x: Tensor, mask: Tensor, flag, y=None):
        h = self.proj(x)
        scores = torch.sigmoid(h)
        if mask.any():  # want "if branches on the value of tensor mask.any\(\)"
            h = h * 2
        elif torch.equal(h, x):  # want "elif branches on the value of tensor torch.equal\(h, x\)"
            h = h + 1
        while scores.max() > 1.0:  # want "while branches on the value of tensor scores.max\(\) > 1.0"
            scores = scores / 2
        out = h if scores.mean() > 0.1 else x  # want "conditional expression branches on the value of tensor scores.mean\(\) > 0.1"
        keep = x.abs().sum() > 0
        if keep:  # want "if branches on the value of tensor keep"
            out = out + 1
        if y is not None and y.sum() > 0:  # want "if branches on the value of tensor y.sum\(\) > 0"
            out = out + y
        if not bool(self.running.any()):  # want "if branches on the value of tensor bool\(self.running.any\(\)\)"
            out = out * 0
        ok = mask.all() or flag  # want "or branches on the value of tensor mask.all\(\)"
        # near misses
        if flag:  # a bare parameter may be a Python bool
            out = out * 3
        if y is not None:  # an identity test
            out = out + 1
        if x.shape[0] > 2:  # a shape test: dynamic_shape_if_guard
            out = out[:2]
        if self.training and self.threshold > 0.3:  # Python values
            out = F.dropout(out, 0.1)
        if torch.jit.is_scripting():  # a Python bool from torch
            out = out + 0
        if x.dim() == 3 and x.dtype == torch.float16:  # rank and dtype are static
            out = out.float()
        if not torch.compiler.is_exporting():
            if out.sum() > 0:  # never traced by export
                print("positive")
        sel = torch.where(scores > 0.5, h, x)  # torch.where used correctly
        return out, sel, ok


class EagerStats(nn.Module):
    """Eager-only code after an export guard's early return."""

    def forward(self, x: Tensor):
        if torch.compiler.is_exporting():
            return x
        if x.sum() > 0:  # export returned above: never traced
            x = x * 2
        return x


class Leaky(nn.Module):
    def forward(self, x: Tensor):
        return x if x > 0 else 0.1 * x  # want "conditional expression branches on the value of tensor x > 0"


class Clamp(nn.Module):
    def forward(self, x: Tensor, y: Tensor):
        if x.sum() > y.sum():  # want "if branches on the value of tensor x.sum\(\) > y.sum\(\)"
            return x - y
        else:
            return y - x


class LayerOutput(nn.Module):
    def __init__(self):
        super().__init__()
        self.qkv = nn.Linear(4, 12)

    def forward(self, x):
        attn = self.qkv(x).softmax(dim=-1)  # a submodule's output is a tensor
        if attn.isnan().any():  # want "if branches on the value of tensor attn.isnan\(\).any\(\)"
            attn = attn.nan_to_num()
        if torch.cuda.is_available():  # a Python bool, not tensor data
            attn = attn * 1
        if attn.is_contiguous():  # a Python bool too
            attn = attn + 0
        return attn


def not_traced(x):
    if x.sum() > 0:  # a script helper nobody traces
        return x
    return -x


def gate_rows(rows, scale, enabled):
    """A helper of Rows.forward: its parameters hold what the forward passes."""
    for row in rows:  # iterating a tensor gives tensors
        if row.max() > scale:  # an element taken by iteration: tensor_to_python's
            return rows
    if rows:  # want "if branches on the value of tensor rows"
        rows = rows * 2
    if enabled:  # a Python bool from the caller
        rows = rows + 1
    if scale > 1.0:  # a float from the caller
        rows = rows / scale
    return rows


class Rows(nn.Module):
    def forward(self, x):
        top, idx = x.max(1)  # a tuple of tensors, unpacked
        if top.sum() > 0:  # want "if branches on the value of tensor top.sum\(\) > 0"
            x = x + 1
        return gate_rows(x.abs(), 0.5, True)


def tidy(rows):
    if rows:  # only called outside traced code
        return rows
    return None


tidy([1, 2])
