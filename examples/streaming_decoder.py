"""A streaming transformer decoder layer that keeps the previous chunk on self.

Eager streaming code often caches state as plain attributes in forward. torch.export
fails on attribute mutation before torch 2.10 (ExportDB: model_attr_mutation) and, from
2.10 on, captures it only for registered buffers updated in place.
"""

import torch
from torch import nn


class StreamingDecoderLayer(nn.Module):
    def __init__(self, dim: int = 256, heads: int = 4, context: int = 64):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim)
        self.attn = nn.MultiheadAttention(dim, heads, batch_first=True)
        self.norm2 = nn.LayerNorm(dim)
        self.ff = nn.Sequential(nn.Linear(dim, 4 * dim), nn.GELU(), nn.Linear(4 * dim, dim))
        self.context = context
        self.cache = torch.zeros(1, context, dim)
        self.steps = 0

    def forward(self, chunk):
        memory = torch.cat([self.cache, chunk], dim=1)
        q = self.norm1(chunk)
        kv = self.norm1(memory)
        h = chunk + self.attn(q, kv, kv, need_weights=False)[0]
        h = h + self.ff(self.norm2(h))
        # remember the most recent frames for the next call
        self.cache = memory[:, -self.context :].detach()
        self.steps += 1
        return h


class StreamingDecoderLayerBuffered(nn.Module):
    """The exportable version: the cache is a buffer updated in place."""

    def __init__(self, dim: int = 256, heads: int = 4, context: int = 64):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim)
        self.attn = nn.MultiheadAttention(dim, heads, batch_first=True)
        self.norm2 = nn.LayerNorm(dim)
        self.ff = nn.Sequential(nn.Linear(dim, 4 * dim), nn.GELU(), nn.Linear(4 * dim, dim))
        self.context = context
        self.register_buffer("cache", torch.zeros(1, context, dim), persistent=False)

    def forward(self, chunk):
        memory = torch.cat([self.cache, chunk], dim=1)
        q = self.norm1(chunk)
        kv = self.norm1(memory)
        h = chunk + self.attn(q, kv, kv, need_weights=False)[0]
        h = h + self.ff(self.norm2(h))
        self.cache.copy_(memory[:, -self.context :].detach())
        return h
