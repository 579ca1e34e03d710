"""Attention pooling whose forward takes tensors as default arguments.

A default value is evaluated once, when the function is defined: every call shares that
tensor, and torch.export cannot trace through it before torch 2.10 (ExportDB:
optional_input). Default to None and build the tensor in the body instead.
"""

import torch
from torch import nn


class AttentionPooling(nn.Module):
    def __init__(self, dim: int = 256):
        super().__init__()
        self.score = nn.Linear(dim, 1)

    def forward(self, x, mask=torch.ones(1, 128, dtype=torch.bool), temperature=torch.tensor(1.0)):
        logits = self.score(x).squeeze(-1) / temperature
        logits = logits.masked_fill(~mask, float("-inf"))
        weights = torch.softmax(logits, dim=-1)
        return torch.einsum("bt,btd->bd", weights, x)


class AttentionPoolingFixed(nn.Module):
    def __init__(self, dim: int = 256):
        super().__init__()
        self.score = nn.Linear(dim, 1)

    def forward(self, x, mask=None):
        if mask is None:
            mask = torch.ones(x.shape[0], x.shape[1], dtype=torch.bool, device=x.device)
        logits = self.score(x).squeeze(-1)
        logits = logits.masked_fill(~mask, float("-inf"))
        weights = torch.softmax(logits, dim=-1)
        return torch.einsum("bt,btd->bd", weights, x)
