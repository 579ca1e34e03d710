"""A small sequence classifier and the script that exports it, written against today's
torch.export API: tuple example args, dynamic_shapes keyed by forward's parameters, Dim
bounds, registered submodules and buffers updated in place."""

import math
from typing import Dict, Optional, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.export import Dim, export


class ScaledEmbedding(nn.Module):
    def __init__(self, vocab: int, dim: int) -> None:
        super().__init__()
        self.embed = nn.Embedding(vocab, dim)
        self.scale = math.sqrt(dim)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        with torch.no_grad():
            self.embed.weight.normal_(0.0, 0.02)
            self.embed.weight.data[0].zero_()

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        return self.embed(tokens) * self.scale


class GatedBlock(nn.Module):
    def __init__(self, dim: int, hidden: int, dropout: float = 0.0) -> None:
        super().__init__()
        self.norm = nn.LayerNorm(dim)
        self.up = nn.Linear(dim, 2 * hidden)
        self.down = nn.Linear(hidden, dim)
        self.drop = nn.Dropout(dropout)
        self.gain = nn.Parameter(torch.ones(dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        a, b = self.up(self.norm(x)).chunk(2, dim=-1)
        h = self.down(F.silu(a) * b)
        return x + self.drop(h) * self.gain.to(x.dtype)


class RunningStats(nn.Module):
    """Tracks a running mean of the pooled features in a buffer, updated in place."""

    def __init__(self, dim: int, momentum: float = 0.01) -> None:
        super().__init__()
        self.momentum = momentum
        self.register_buffer("mean", torch.zeros(dim))
        self.register_buffer("count", torch.zeros((), dtype=torch.long))

    def forward(self, pooled: torch.Tensor) -> torch.Tensor:
        if self.training:
            with torch.no_grad():
                self.mean.mul_(1 - self.momentum).add_(self.momentum * pooled.mean(0))
                self.count.add_(1)
        return pooled - self.mean


class SequenceClassifier(nn.Module):
    def __init__(self, vocab: int = 1000, dim: int = 64, depth: int = 3, classes: int = 5) -> None:
        super().__init__()
        self.embed = ScaledEmbedding(vocab, dim)
        self.blocks = nn.ModuleList([GatedBlock(dim, 2 * dim) for _ in range(depth)])
        self.heads = nn.ModuleDict({"label": nn.Linear(dim, classes), "score": nn.Linear(dim, 1)})
        self.stats = RunningStats(dim)
        self.activations = [nn.GELU(), nn.Tanh()]  # stateless: nothing to register
        self.widths = [dim] * depth

    def forward(
        self, tokens: torch.Tensor, mask: torch.Tensor, temperature: Optional[torch.Tensor] = None
    ) -> Dict[str, torch.Tensor]:
        x = self.embed(tokens)
        for block in self.blocks:
            x = block(x)
        weights = mask.to(x.dtype).unsqueeze(-1)
        pooled = (x * weights).sum(1) / weights.sum(1).clamp(min=1.0)
        pooled = self.stats(pooled)
        for act in self.activations:
            pooled = act(pooled)
        logits = self.heads["label"](pooled)
        if temperature is not None:
            logits = logits / temperature
        return {"logits": logits, "score": self.heads["score"](pooled).squeeze(-1)}


def example_inputs(batch: int = 2, seq: int = 16) -> Tuple[torch.Tensor, torch.Tensor]:
    tokens = torch.randint(0, 1000, (batch, seq))
    mask = torch.ones(batch, seq, dtype=torch.bool)
    return tokens, mask


def export_classifier(device: str = "cpu"):
    model = SequenceClassifier().eval()
    model.to(device)
    for p in model.parameters():
        p.requires_grad_(False)
    tokens, mask = example_inputs()
    batch = Dim("batch", min=1, max=64)
    seq = Dim("seq", min=2, max=512)
    shapes = {"tokens": {0: batch, 1: seq}, "mask": {0: batch, 1: seq}}
    return export(model, (tokens.to(device), mask.to(device)), dynamic_shapes=shapes)


def export_positional_shapes():
    model = SequenceClassifier().eval()
    args = example_inputs()
    batch = torch.export.Dim("batch", max=32)
    return torch.export.export(model, args, dynamic_shapes=({0: batch}, {0: batch}), strict=False)


if __name__ == "__main__":
    ep = export_classifier()
    print(ep.graph_signature)
