import torch
from torch.export import Dim, export


class DynamicShapeDivisibleRewrite(torch.nn.Module):
    def forward(self, x):
        b, c, h, w = x.shape
        patches = x.view(b, c, h // 4, 4, w // 4, 4)
        return patches.permute(0, 2, 4, 1, 3, 5).flatten(3)


def export_model():
    x = torch.randn(2, 3, 64, 64)
    # Derived dims declare only multiples of 4, from 32 to 1024: the view holds for
    # every size export accepts.
    h = 4 * Dim("h_4", min=8, max=256)
    w = 4 * Dim("w_4", min=8, max=256)
    return export(DynamicShapeDivisibleRewrite(), (x,), dynamic_shapes={"x": {2: h, 3: w}})
