import torch
from torch.export import Dim, export


class DynamicShapeMinSizeRewrite(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = torch.nn.Sequential(
            torch.nn.Conv2d(3, 16, kernel_size=7, stride=2),
            torch.nn.ReLU(),
            torch.nn.MaxPool2d(3, stride=2),
        )

    def forward(self, x):
        return self.stem(x).mean((2, 3))


def export_model():
    x = torch.randn(1, 3, 224, 224)
    # The smallest image the stem can process: (11 - 7) // 2 + 1 = 3 rows reach the
    # pooling, which makes one.
    h = Dim("h", min=11, max=1024)
    w = Dim("w", min=11, max=1024)
    return export(DynamicShapeMinSizeRewrite(), (x,), dynamic_shapes={"x": {2: h, 3: w}})
