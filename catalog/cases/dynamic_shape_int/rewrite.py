import torch
from torch.export import Dim, export


class DynamicShapeIntRewrite(torch.nn.Module):
    def forward(self, x):
        # floor division of a size stays symbolic: every height from 32 to 1024 exports
        h = x.shape[-2] // 2
        return x[..., :h, :]


def export_model():
    x = torch.randn(2, 3, 64, 64)
    return export(DynamicShapeIntRewrite(), (x,), dynamic_shapes={"x": {2: Dim("h", min=32, max=1024)}})
