import torch
from torch.export import Dim, export


class DynamicShapeDivisible(torch.nn.Module):
    """
    Cutting an image into 4x4 patches with view() splits the height into
    h // 4 rows of 4, which holds only when the height is a multiple of 4.
    The export call declares the height and width dynamic with named Dims
    from 32 to 1024: export must prove the view for every size in that
    range, records the guard that the height divides by 4, and fails
    because 33 does not. A derived dim, 4 * Dim("h_4", min=8, max=256),
    declares exactly the sizes the view supports.
    """

    def forward(self, x):
        b, c, h, w = x.shape
        patches = x.view(b, c, h // 4, 4, w // 4, 4)
        return patches.permute(0, 2, 4, 1, 3, 5).flatten(3)


def export_model():
    x = torch.randn(2, 3, 64, 64)
    h = Dim("h", min=32, max=1024)
    w = Dim("w", min=32, max=1024)
    return export(DynamicShapeDivisible(), (x,), dynamic_shapes={"x": {2: h, 3: w}})
