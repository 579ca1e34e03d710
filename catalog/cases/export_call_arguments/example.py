import torch
from torch.export import export


class ExportCallArguments(torch.nn.Module):
    """
    torch.export.export takes the module, then its example positional inputs
    as a tuple: a single tensor is written (x,), not x. Its dynamic_shapes
    argument, when it is a dict, is keyed by the names of forward's parameters,
    and each dynamic dimension is a torch.export.Dim whose name is a Python
    identifier and whose max is greater than its min. A call that breaks one of
    these rules fails before any tracing starts.
    """

    def forward(self, x):
        return x.sin() + x.cos()


def export_model():
    x = torch.randn(3, 4)
    return export(ExportCallArguments(), x)
