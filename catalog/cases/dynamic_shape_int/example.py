import torch
from torch.export import Dim, export


class DynamicShapeInt(torch.nn.Module):
    """
    Halving the height with int() on a true division asks for a concrete
    number: export fixes the height at the example input's 64. The export
    call lets export choose (Dim.AUTO), so it succeeds, and the program
    accepts height 64 only; with Dim("h", min=32, max=1024) it fails.
    """

    def forward(self, x):
        h = int(x.shape[-2] / 2)
        return x[..., :h, :]


def export_model():
    x = torch.randn(2, 3, 64, 64)
    return export(DynamicShapeInt(), (x,), dynamic_shapes={"x": {2: Dim.AUTO}})
