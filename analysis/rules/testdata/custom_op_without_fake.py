import numpy as np
import torch
from torch import Tensor, nn
from torch.library import Library, custom_op, register_fake


@torch.library.custom_op("mylib::sin", mutates_args=())
def sin(x: Tensor) -> Tensor:
    return torch.from_numpy(np.sin(x.numpy()))  # the kernel: export never traces it


@custom_op("mylib::topk_mask", mutates_args=())
def topk_mask(x: Tensor, k: int) -> Tensor:
    return x * (x >= x.topk(k).values[..., -1:])


@custom_op("mylib::scale", mutates_args=())
def scale(x: Tensor, s: float) -> Tensor:
    return x * s


@scale.register_fake
def _(x, s):
    return torch.empty_like(x)


@custom_op("mylib::shift", mutates_args=())
def shift(x: Tensor) -> Tensor:
    return x + 1


register_fake("mylib::shift")(lambda x: torch.empty_like(x))


@custom_op("mylib::fill_", mutates_args={"out"})
def fill_(out: Tensor, value: float) -> None:
    out.fill_(value)


lib = Library("ext", "DEF")
lib.define("gather_rows(Tensor x, Tensor idx) -> Tensor")
lib.define("clip(Tensor x) -> Tensor")
lib.define("norm(Tensor x) -> Tensor")
lib.impl("clip", lambda x: x.clamp(0, 1), "CompositeImplicitAutograd")
torch.library.define("ext::blur", "(Tensor x) -> Tensor")


@torch.library.impl("ext::norm", "Meta")
def _norm_meta(x):
    return torch.empty_like(x)


class Model(nn.Module):
    def forward(self, x, idx):
        y = sin(x)  # want:error "custom op mylib::sin \(called as sin\) has no fake implementation: export runs every operator on fake tensors and fails on it; register one with @sin.register_fake"
        y = y + torch.ops.mylib.sin.default(x)  # want "custom op mylib::sin \(called as torch.ops.mylib.sin.default\)"
        y = y + scale(x, 2.0) + shift(x)
        fill_(y, 0.0)
        z = torch.ops.ext.gather_rows(x, idx)  # want "custom op ext::gather_rows \(called as torch.ops.ext.gather_rows\).*register one with @torch.library.register_fake\(\"ext::gather_rows\"\)"
        z = z + torch.ops.ext.clip(x) + torch.ops.ext.norm(x)
        return y + z + self.helper(x)

    def helper(self, x):
        return topk_mask(x, 3) + torch.ops.ext.blur(x)  # want "custom op mylib::topk_mask" "custom op ext::blur"


# Cross-file: an operator defined in another module of the project (from .ops import sin)
# is followed once the semantic model lands.


# Near misses: none of these is reported.


def eager_only(x):
    return sin(x)  # not traced


class Other(nn.Module):
    def forward(self, x, sin):
        y = sin(x)  # a parameter named sin, not the operator
        return y + torch.ops.aten.sin(x) + torch.ops.otherlib.op(x)  # operators defined elsewhere
