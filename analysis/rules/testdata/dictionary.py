from typing import Dict

import torch
import torch.nn as nn


def make_heads(x: torch.Tensor):
    return {"mean": x.mean(0), "std": x.std(0)}  # want:off "make_heads returns a dict of tensors: export inlines the call"


class MultiHead(nn.Module):
    def __init__(self, dims: Dict[str, int]):
        super().__init__()
        self.heads = nn.ModuleDict({k: nn.Linear(8, d) for k, d in dims.items()})  # __init__ is not traced
        self.names = {"cls": 0, "box": 1}  # config in __init__
        stats = {}
        stats["w"] = torch.zeros(3)  # __init__ is not traced

    def forward(self, x, y):
        elements = {}  # want:off "dict elements holds tensors: export traces its stores and lookups away"
        elements["x2"] = x * x
        y = y * elements["x2"]
        feats = dict(a=torch.relu(x), b=y)  # want:off "dict feats holds tensors"
        cache = {"k": x}  # want:off "dict cache holds tensors"
        extra = {}  # want:off "dict extra holds tensors"
        extra.update(v=y.sum())
        opts = {"mode": "bilinear", "align_corners": False}  # configuration: no tensors
        empty = {}  # never filled with tensors
        empty["n"] = 3
        outs = {k: h(x) for k, h in self.heads.items()}  # comprehension over submodules: values not known to be tensors
        stats = make_heads(x)
        return {"y": y, "feats": feats["a"], "cache": cache["k"], "stats": stats}  # want:off "MultiHead\.forward returns a dict of tensors: export flattens its values into the graph's outputs"


class Scores(nn.Module):
    def forward(self, x):
        return {"n": 1}  # a dict of constants


def summarize(x):
    report = {}
    report["mean"] = x.mean()  # script code: not traced
    return {"report": report}


class Detector(nn.Module):
    def __init__(self):
        super().__init__()
        self.backbone = nn.Conv2d(3, 8, 3)
        self.head = nn.Conv2d(8, 4, 1)

    def forward(self, images):
        feats = self.backbone(images)
        return {"logits": self.head(feats), "version": 2}  # want:off "Detector\.forward returns a dict of tensors"
