import logging
import random
import warnings
from collections import defaultdict

import numpy as np
import torch
from torch import nn

logger = logging.getLogger(__name__)
STATS = {"calls": 0}
CACHE = []
SEEN = defaultdict(int)
STEP = 0
VOCAB = ("a", "b")


class PythonSideEffect(nn.Module):
    def forward(self, x):
        STATS["calls"] += 1  # want:warning "module-level STATS is changed while export traces \(STATS\[\"calls\"\]\)"
        return x.relu()


class Debug(nn.Module):
    def __init__(self, dim: int = 8):
        super().__init__()
        self.proj = nn.Linear(dim, dim)
        print("building", dim)  # __init__ is not traced
        logger.info("built")
        CACHE.append(dim)

    def forward(self, x):
        global STEP
        print("input", x.shape)  # want:error "print call in traced code: strict export cannot trace it \(a graph break\) and fails"
        logger.debug("shape %s", x.shape)  # want "logger.debug call in traced code"
        logging.warning("deprecated path")  # want "logging.warning call in traced code"
        warnings.warn("slow path")  # want "warnings.warn call in traced code"
        h = self.proj(x)
        CACHE.append(h)  # want:warning "module-level CACHE is changed while export traces \(CACHE.append\)"
        SEEN["forward"] = 1  # want "module-level SEEN is changed while export traces \(SEEN\[\"forward\"\]\)"
        del SEEN["stale"]  # want "module-level SEEN is changed while export traces \(SEEN\[\"stale\"\]\)"
        STEP += 1  # want:warning "global STEP is written while export traces Debug.forward"
        noise = random.random()  # want:warning "random.random draws from Python's random module while export traces"
        jitter = np.random.rand()  # want "np.random.rand draws from numpy.random"
        if h.shape[0] > 2: print("big batch")  # want "print call"
        # near misses
        if not torch.compiler.is_exporting():
            print("not exporting")  # guarded: export never runs it
            logger.info("h %s", h.mean())
        if torch.compiler.is_exporting():
            pass
        else:
            warnings.warn("guarded too")
        exporting = torch.compiler.is_exporting()
        if exporting:
            pass
        elif self.training:
            print("guarded through a name, in an elif")
        verbose = True
        verbose and not torch.compiler.is_compiling() and print("short-circuits away while exporting")
        cache = []
        cache.append(h)  # a local list
        n = len(CACHE) + len(VOCAB)  # reads of globals
        scale = STATS.get("scale", 1.0)  # a read
        r = torch.rand(())  # torch random numbers are graph operations
        return h * noise * jitter * scale * r + n


def report(model, x):
    print(model(x))  # not traced
    CACHE.clear()
