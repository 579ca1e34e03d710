import contextlib
from contextlib import nullcontext as noop

import torch
import torch.nn as nn


class NullContextManager(nn.Module):
    def __init__(self, use_amp: bool = False):
        super().__init__()
        self.use_amp = use_amp
        with contextlib.nullcontext():  # __init__ is not traced
            self.proj = nn.Linear(4, 4)

    def forward(self, x):
        ctx = contextlib.nullcontext()
        with ctx:  # want:off "ctx is a contextlib\.nullcontext\(\), which does nothing: export traces the body of this with statement as if it were absent"
            y = x.sin() + x.cos()
        with noop() as _:  # want:off "contextlib\.nullcontext\(\) does nothing: export traces the body"
            y = y * 2
        amp = torch.autocast("cpu") if self.use_amp else contextlib.nullcontext()
        with amp:  # want:off "amp is a contextlib\.nullcontext\(\)"
            y = self.proj(y)
        with (contextlib.nullcontext() if not self.use_amp else torch.autocast("cpu")):  # want:off "contextlib\.nullcontext\(\) does nothing"
            y = y + 1
        with torch.no_grad():  # another context manager: not this case
            z = y.detach()
        grad = contextlib.nullcontext()
        grad = torch.enable_grad()
        with grad:  # rebound to another context manager before the with
            z = z + 1
        return y + z


def run(model, x):
    with contextlib.nullcontext():  # script code: not traced
        return model(x)
