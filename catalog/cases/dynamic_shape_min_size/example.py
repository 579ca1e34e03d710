import torch
from torch.export import Dim, export


class DynamicShapeMinSize(torch.nn.Module):
    """
    A stem of a 7x7 convolution with stride 2 and a 3x3 max pooling with
    stride 2 needs an image at least 11 pixels high: the convolution needs 7
    pixels to produce one row, and the pooling 3 rows. The export call
    declares the height and width dynamic with named Dims that leave min=
    out, so they start at 2: export must prove the stem for every size from
    2, cannot, and fails. Declaring min=11 states what the model needs.
    """

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
    h = Dim("h", max=1024)
    w = Dim("w", max=1024)
    return export(DynamicShapeMinSize(), (x,), dynamic_shapes={"x": {2: h, 3: w}})
