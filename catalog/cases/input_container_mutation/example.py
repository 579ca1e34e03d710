import torch


class InputContainerMutation(torch.nn.Module):
    """
    forward appends to a list its caller passed. torch.export flattens the
    inputs: the length of a list and the keys of a dict are fixed when the
    model is exported, and only the tensors inside become inputs of the graph.
    Strict export fails on the append; in non-strict mode the append happens to
    a copy while tracing, and the exported program never changes the caller's
    list. Return what changes instead.
    """

    def __init__(self):
        super().__init__()
        self.proj = torch.nn.Linear(8, 8)

    def forward(self, x, cache: list):
        cache.append(self.proj(x))
        return torch.cat(cache, dim=1)
