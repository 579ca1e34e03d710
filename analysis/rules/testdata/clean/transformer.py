"""A decoder-only transformer layer with a KV cache held in registered buffers.

Written to export cleanly: the cache is a buffer updated in place with index_copy_, the
attention mask is built from shapes with tensor ops, and no Python value is read out of a
tensor while tracing.
"""

import math
from typing import Optional, Tuple

import torch
import torch.nn.functional as F
from torch import nn


class RMSNorm(nn.Module):
    def __init__(self, dim: int, eps: float = 1e-6) -> None:
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        norm = x.pow(2).mean(dim=-1, keepdim=True).add(self.eps).rsqrt()
        return x * norm * self.weight


def precompute_rope(dim: int, max_len: int, theta: float = 10000.0) -> Tuple[torch.Tensor, torch.Tensor]:
    freqs = 1.0 / (theta ** (torch.arange(0, dim, 2).float() / dim))
    t = torch.arange(max_len).float()
    angles = torch.outer(t, freqs)
    return angles.cos(), angles.sin()


def apply_rope(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    x1, x2 = x[..., 0::2], x[..., 1::2]
    rotated = torch.stack((x1 * cos - x2 * sin, x1 * sin + x2 * cos), dim=-1)
    return rotated.flatten(-2)


class KVCache(nn.Module):
    """Keys and values of past positions, stored in non-persistent buffers."""

    def __init__(self, max_batch: int, max_len: int, n_heads: int, head_dim: int, dtype=torch.float32) -> None:
        super().__init__()
        shape = (max_batch, n_heads, max_len, head_dim)
        self.register_buffer("k_cache", torch.zeros(shape, dtype=dtype), persistent=False)
        self.register_buffer("v_cache", torch.zeros(shape, dtype=dtype), persistent=False)

    def forward(self, input_pos: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        self.k_cache.index_copy_(2, input_pos, k)
        self.v_cache.index_copy_(2, input_pos, v)
        return self.k_cache, self.v_cache


class Attention(nn.Module):
    def __init__(self, dim: int, n_heads: int, max_batch: int, max_len: int) -> None:
        super().__init__()
        self.n_heads = n_heads
        self.head_dim = dim // n_heads
        self.scale = 1.0 / math.sqrt(self.head_dim)
        self.wq = nn.Linear(dim, dim, bias=False)
        self.wk = nn.Linear(dim, dim, bias=False)
        self.wv = nn.Linear(dim, dim, bias=False)
        self.wo = nn.Linear(dim, dim, bias=False)
        self.cache = KVCache(max_batch, max_len, n_heads, self.head_dim)
        cos, sin = precompute_rope(self.head_dim, max_len)
        self.register_buffer("rope_cos", cos, persistent=False)
        self.register_buffer("rope_sin", sin, persistent=False)
        causal = torch.tril(torch.ones(max_len, max_len, dtype=torch.bool))
        self.register_buffer("causal_mask", causal, persistent=False)

    def forward(self, x: torch.Tensor, input_pos: torch.Tensor) -> torch.Tensor:
        bsz, seqlen, _ = x.shape
        q = self.wq(x).view(bsz, seqlen, self.n_heads, self.head_dim)
        k = self.wk(x).view(bsz, seqlen, self.n_heads, self.head_dim)
        v = self.wv(x).view(bsz, seqlen, self.n_heads, self.head_dim)

        cos = self.rope_cos.index_select(0, input_pos).unsqueeze(1)
        sin = self.rope_sin.index_select(0, input_pos).unsqueeze(1)
        q = apply_rope(q, cos, sin)
        k = apply_rope(k, cos, sin)

        q, k, v = (t.transpose(1, 2) for t in (q, k, v))
        keys, values = self.cache(input_pos, k, v)
        keys = keys[:bsz]
        values = values[:bsz]

        mask = self.causal_mask.index_select(0, input_pos).unsqueeze(0).unsqueeze(0)
        out = F.scaled_dot_product_attention(q, keys, values, attn_mask=mask, scale=self.scale)
        out = out.transpose(1, 2).contiguous().view(bsz, seqlen, -1)
        return self.wo(out)


class FeedForward(nn.Module):
    def __init__(self, dim: int, hidden: int) -> None:
        super().__init__()
        self.w1 = nn.Linear(dim, hidden, bias=False)
        self.w2 = nn.Linear(hidden, dim, bias=False)
        self.w3 = nn.Linear(dim, hidden, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.w2(F.silu(self.w1(x)) * self.w3(x))


class DecoderLayer(nn.Module):
    def __init__(self, dim: int, n_heads: int, hidden: int, max_batch: int = 4, max_len: int = 2048) -> None:
        super().__init__()
        self.attn_norm = RMSNorm(dim)
        self.attn = Attention(dim, n_heads, max_batch, max_len)
        self.ffn_norm = RMSNorm(dim)
        self.ffn = FeedForward(dim, hidden)
        self.dropout = nn.Dropout(0.0)

    def forward(self, x: torch.Tensor, input_pos: torch.Tensor) -> torch.Tensor:
        h = x + self.dropout(self.attn(self.attn_norm(x), input_pos))
        return h + self.dropout(self.ffn(self.ffn_norm(h)))


class TinyLM(nn.Module):
    def __init__(self, vocab: int = 32000, dim: int = 512, n_layers: int = 4, n_heads: int = 8) -> None:
        super().__init__()
        self.embed = nn.Embedding(vocab, dim)
        self.layers = nn.ModuleList([DecoderLayer(dim, n_heads, 4 * dim) for _ in range(n_layers)])
        self.norm = RMSNorm(dim)
        self.head = nn.Linear(dim, vocab, bias=False)
        self.head.weight = self.embed.weight

    def forward(self, tokens: torch.Tensor, input_pos: torch.Tensor, temperature: Optional[torch.Tensor] = None) -> torch.Tensor:
        h = self.embed(tokens)
        for layer in self.layers:
            h = layer(h, input_pos)
        logits = self.head(self.norm(h))
        if temperature is not None:
            logits = logits / temperature
        return logits


def export_decoder():
    from torch.export import Dim, export

    model = TinyLM().eval()
    tokens = torch.randint(0, 32000, (2, 16))
    input_pos = torch.arange(16)
    seq = Dim("seq", min=1, max=2048)
    return export(model, (tokens, input_pos), dynamic_shapes={"tokens": {1: seq}, "input_pos": {0: seq}})
