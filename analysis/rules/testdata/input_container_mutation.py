from typing import Dict, List, Optional, TypedDict

import torch
from torch import nn


class Decoder(nn.Module):
    """A key/value cache the caller passes and forward appends to."""

    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(8, 8)

    def forward(self, x, cache: list):
        k = self.proj(x)
        cache.append(k)  # want:error "\.append\(\) changes forward input cache, a list the caller passed: strict export fails on it"
        return torch.cat(cache, dim=1)


class Batch(nn.Module):
    def forward(self, inputs, counts: Dict[str, int], history: Optional[List[torch.Tensor]] = None, seen={}):
        x = inputs["x"]
        inputs["mask"] = x > 0  # want "item assignment changes forward input inputs, a dict"
        del inputs["aux"]  # want "del changes forward input inputs"
        inputs.update(y=x * 2)  # want "\.update\(\) changes forward input inputs"
        inputs.setdefault("z", x)  # want "\.setdefault\(\) changes forward input inputs"
        counts["calls"] += 1  # want "item \+= changes forward input counts, a dict"
        history += [x]  # want "\+= changes forward input history, a list"
        history.sort(key=len)  # want "\.sort\(\) changes forward input history"
        inputs["layers"][0] = x  # want "item assignment changes forward input inputs"
        inputs["cache"].append(x)  # want "\.append\(\) changes forward input inputs"
        seen["x"] = 1  # want "item assignment changes forward input seen, a dict"
        return x


def push(store, value):
    store.append(value)  # want "\.append\(\) changes forward input feats \(passed on to push\(store\)\), a list the caller passed"


class WithHelpers(nn.Module):
    def forward(self, x, out: dict, feats: List[torch.Tensor]):
        self._save(out, "h", x)
        push(feats, x)
        return x

    def _save(self, d, key, value):
        d[key] = value  # want "item assignment changes forward input out \(passed on to WithHelpers._save\(d\)\), a dict"


class Block(nn.Module):
    """Used inside Parent: its forward runs on what Parent passes."""

    def forward(self, d):
        d["h"] = d["x"] * 2  # want "item assignment changes forward input batch \(passed on to Block.forward\(d\)\), a dict"
        return d["h"]


class Parent(nn.Module):
    def __init__(self):
        super().__init__()
        self.block = Block()

    def forward(self, batch: dict):
        local = {"x": batch["x"]}
        self.block(local)  # a container forward built: not the caller's
        return self.block(batch)


class Inputs(TypedDict):
    x: torch.Tensor


class TypedInputs(nn.Module):
    def forward(self, inputs: Inputs, extra: Optional[Dict[str, KVCache]] = None):
        inputs.update(x=inputs["x"] * 2)  # want "\.update\(\) changes forward input inputs, a dict"
        extra.pop("old")  # want "\.pop\(\) changes forward input extra, a dict"
        return inputs["x"]


# Cross-file: a helper in another module of the project that mutates what forward passes it
# (from .cache import push) is followed once the semantic model lands.


# Near misses: none of these is reported by this rule.


class Quiet(nn.Module):
    def forward(self, x, y, inputs: dict, *args, **kwargs):
        kwargs["seen"] = True  # **kwargs is a dict built for this call
        kwargs.update(more=1)
        x[0] = 0.0  # a tensor input: user_input_mutation's
        y[y > 0] = 1.0  # a tensor input: user_input_mutation's
        inputs["x"].add_(1)  # an in-place tensor operation on an element: user_input_mutation's kind
        inputs = dict(inputs)
        inputs["y"] = x  # a copy
        local = []
        local.append(x)  # forward's own list
        return x, local, args


class AfterCopy(nn.Module):
    def forward(self, cache: list):
        cache = list(cache)
        cache.append(1)
        return cache


class KVCache:
    def update(self, key, value, layer_idx, kwargs=None):
        return key, value


class CachedAttention(nn.Module):
    """A cache class's own update (transformers' Cache.update), not dict.update."""

    def forward(self, x, past_key_values: Optional[KVCache] = None, extra: "KVCache | None" = None):
        if past_key_values is not None:
            x, _ = past_key_values.update(x, x, 0, {})
        if extra is not None:
            extra.update(x, x, 1)
        return x


def script(inputs):
    inputs["x"] = 1  # script code: not traced
    return inputs


class Broken(nn.Module):
    def forward(self, inputs: dict):
        inputs[ = 1  # broken code: no crash
