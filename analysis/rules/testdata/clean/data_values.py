"""A mixture-of-experts block with a gated residual and debug logging, written to export.

Realistic near misses of the data-value cases: values read out of tensors are bounded with
torch._check before they size anything, element-wise choices use torch.where, branching on
data uses torch.cond, debugging output is guarded with torch.compiler.is_exporting(), and
configuration is turned into Python numbers in __init__, never in forward.
"""

import logging
import math
from typing import Optional

import torch
import torch.nn.functional as F
from torch import Tensor, nn

logger = logging.getLogger(__name__)

DEFAULT_CAPACITY = 1.25
ACTIVATIONS = {"gelu": F.gelu, "silu": F.silu}


class Expert(nn.Module):
    def __init__(self, dim: int, hidden: int, activation: str = "gelu"):
        super().__init__()
        self.up = nn.Linear(dim, hidden)
        self.down = nn.Linear(hidden, dim)
        self.act = ACTIVATIONS[activation]  # a read of a module-level table

    def forward(self, x: Tensor) -> Tensor:
        return self.down(self.act(self.up(x)))


class Router(nn.Module):
    def __init__(self, dim: int, num_experts: int, capacity_factor: float = DEFAULT_CAPACITY):
        super().__init__()
        self.gate = nn.Linear(dim, num_experts, bias=False)
        self.num_experts = num_experts
        # Python numbers from configuration, computed once in __init__
        self.capacity = round(capacity_factor * 8)
        self.temperature = math.sqrt(dim)
        self.register_buffer("balance", torch.ones(num_experts))
        init_scale = torch.tensor(0.02).item()  # .item() in __init__ is not traced
        nn.init.normal_(self.gate.weight, std=init_scale)
        if self.balance.sum() > 0:  # a tensor condition in __init__ is not traced
            logger.info("router with %d experts", num_experts)

    def forward(self, x: Tensor) -> Tensor:
        logits = self.gate(x) / self.temperature
        probs = torch.softmax(logits, dim=-1) * self.balance
        return probs


class MoEBlock(nn.Module):
    def __init__(self, dim: int = 32, hidden: int = 64, num_experts: int = 4, verbose: bool = False):
        super().__init__()
        self.router = Router(dim, num_experts)
        self.experts = nn.ModuleList([Expert(dim, hidden) for _ in range(num_experts)])
        self.norm = nn.LayerNorm(dim)
        self.verbose = verbose
        self.register_buffer("calls", torch.zeros((), dtype=torch.long))

    def forward(self, x: Tensor, mask: Optional[Tensor] = None, max_tokens: Optional[Tensor] = None) -> Tensor:
        h = self.norm(x)
        probs = self.router(h)
        top = probs.argmax(dim=-1)
        out = torch.zeros_like(h)
        for i, expert in enumerate(self.experts):  # a static loop over submodules
            chosen = (top == i).unsqueeze(-1)
            out = out + torch.where(chosen, expert(h), torch.zeros_like(h))
        if mask is not None:  # an identity test, not a tensor value
            out = out * mask.unsqueeze(-1)
        if max_tokens is not None:
            n = max_tokens.item()
            torch._check(n >= 0)
            torch._check(n <= x.shape[1])
            out = out.narrow(1, 0, n)
            x = x.narrow(1, 0, n)
        # a gated residual: element-wise selection with torch.where, not a Python if
        gate = torch.sigmoid(out.mean(dim=-1, keepdim=True))
        out = torch.where(gate > 0.5, out, 0.5 * out)
        # data-dependent branching with torch.cond
        out = torch.cond(out.abs().mean() > 10.0, lambda o: o / 10.0, lambda o: o.clone(), (out,))
        self.calls.add_(1)  # state kept in a buffer
        if self.verbose and not torch.compiler.is_exporting():
            print("moe", out.shape, float(out.mean()))
            logger.debug("gate mean %.3f", gate.mean().item())
        return x + out


def summarize(model: MoEBlock, x: Tensor) -> dict:
    """Eager-only reporting; nothing here is traced by export."""
    with torch.no_grad():
        y = model(x)
    stats = {"mean": float(y.mean()), "max": y.abs().max().item(), "nonzero": int((y != 0).sum())}
    if y.sum() > 0:
        print("positive output")
    logger.info("summary %s", stats)
    return stats


if __name__ == "__main__":
    model = MoEBlock(verbose=True).eval()
    x = torch.randn(2, 16, 32)
    ep = torch.export.export(model, (x,))
    print(ep)
    print(summarize(model, x))
