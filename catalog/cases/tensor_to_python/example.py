import math

import torch


class TensorToPython(torch.nn.Module):
    """
    Python's own functions and statements work on Python values: range()
    needs an int, math.sqrt() a float, an if statement a bool, and indexing a
    list needs a concrete position. Given a tensor, they ask it for its
    value, and while export traces, tensors have shapes but no values. Keep
    the computation in torch operations so that it becomes part of the graph.
    """

    def forward(self, x):
        return x / math.sqrt(x.var())
