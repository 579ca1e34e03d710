# exportdb-test: target=2.11
import dataclasses
from dataclasses import dataclass
from typing import NamedTuple, Optional

import torch
import torch.utils._pytree as pytree
from torch import nn
from transformers import AutoModelForCausalLM, LlamaForCausalLM


@dataclass
class Batch:
    images: torch.Tensor
    mask: Optional[torch.Tensor] = None


@dataclasses.dataclass(frozen=True)
class Detections:
    boxes: torch.Tensor
    scores: torch.Tensor


class Cache:
    def __init__(self, keys, values):
        self.keys = keys
        self.values = values


@dataclass
class Registered:
    x: torch.Tensor


torch.export.register_dataclass(Registered)


class Pair:
    def __init__(self, a, b):
        self.a, self.b = a, b


pytree.register_pytree_node(Pair, lambda p: ([p.a, p.b], None), lambda v, _: Pair(*v))


class Point(NamedTuple):
    x: torch.Tensor
    y: torch.Tensor


class Detector(nn.Module):
    """Dataclass input and output."""

    def __init__(self):
        super().__init__()
        self.box = nn.Linear(8, 4)
        self.cls = nn.Linear(8, 2)

    def forward(self, batch: Batch, extra: Optional[Cache] = None) -> Detections:  # want:error "forward input batch is annotated Batch: Batch is a dataclass not registered with torch's pytree" "forward input extra is annotated Optional\[Cache\]: Cache is a class not registered.*register_pytree_node\(Cache, flatten_fn, unflatten_fn\)"
        x = batch.images
        return Detections(boxes=self.box(x), scores=self.cls(x))  # want "forward of Detector returns Detections, a dataclass not registered"


class Decoder(nn.Module):
    def forward(self, x):
        cache = Cache(x, x)  # want "forward of Decoder returns Cache, a class not registered"
        return x * 2, cache


class Helper(nn.Module):
    def forward(self, x):
        return self._pack(x)

    def _pack(self, x):
        return {"out": Detections(boxes=x, scores=x)}  # want "forward of Helper returns Detections \(through Helper._pack\)"


class Annotated(nn.Module):
    def forward(self, x) -> "Detections":  # want "forward of Annotated is annotated to return Detections"
        return self.make(x)

    def make(self, x):
        return x


class Script(nn.Module):
    def forward(self, x, y):
        return x + y


def export_script():
    inputs = (Cache(torch.ones(1), torch.ones(1)),)  # want "torch.export.export receives a Cache, a class not registered"
    torch.export.export(Script(), inputs, kwargs={"y": Detections(torch.ones(1), torch.ones(1))})  # want "torch.export.export receives a Detections"


def export_llm(ids):
    model = AutoModelForCausalLM.from_pretrained("meta-llama/Llama-3.2-1B").eval()
    return torch.export.export(model, (ids,))  # want:error "AutoModelForCausalLM returns a transformers DynamicCache, which is not registered with torch's pytree"


def export_llama(config, ids):
    return torch.export.export(LlamaForCausalLM(config), (ids,))  # want "LlamaForCausalLM returns a transformers DynamicCache"


# Cross-file: a dataclass imported from another module (from .types import Batch) and its
# registration elsewhere are followed once the semantic model lands.


# Near misses: none of these is reported.


class Fine(nn.Module):
    def forward(self, r: Registered, p: Pair, pt: Point, d: dict) -> Point:
        return Point(r.x + p.a, pt.y)


class Inner(nn.Module):
    """Used only inside Outer: its inputs never cross the export boundary."""

    def forward(self, batch: Batch) -> Detections:
        return Detections(boxes=batch.images, scores=batch.images)


class Outer(nn.Module):
    def __init__(self):
        super().__init__()
        self.inner = Inner()

    def forward(self, images):
        out = self.inner(Batch(images=images))
        return out.boxes + out.scores


def export_llm_without_cache(ids):
    model = AutoModelForCausalLM.from_pretrained("gpt2")
    a = torch.export.export(model, (ids,), kwargs={"use_cache": False})
    model.config.use_cache = False
    b = torch.export.export(model, (ids,))
    c = torch.export.export(AutoModelForCausalLM.from_pretrained("gpt2", use_cache=False), (ids,))
    return a, b, c


def eager(x):
    return Detections(boxes=x, scores=x)  # script code, not an export input


@dataclass
class Half:
    x: torch.Tensor


class Broken(nn.Module):
    def forward(self, h: Half) -> Half  # broken code: no crash
        return Half(
