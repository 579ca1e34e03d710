import torch
from torch.export import export


class ExportCallArgumentsRewrite(torch.nn.Module):
    """
    The single example input is passed as a one-element tuple.
    """

    def forward(self, x):
        return x.sin() + x.cos()


def export_model():
    x = torch.randn(3, 4)
    return export(ExportCallArgumentsRewrite(), (x,))
