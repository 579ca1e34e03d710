import torch
from torch.export import Dim, export


class DeprecatedExportApiRewrite(torch.nn.Module):
    """
    The dynamic dimension is declared with dynamic_shapes=, keyed by forward's
    parameter name.
    """

    def forward(self, x):
        return torch.relu(x) + 1


def export_model():
    x = torch.randn(4, 8)
    return export(DeprecatedExportApiRewrite(), (x,), dynamic_shapes={"x": {0: Dim("x_dim0")}})
