from dataclasses import dataclass

import torch


@dataclass
class Detections:
    boxes: torch.Tensor
    scores: torch.Tensor


torch.export.register_dataclass(Detections)


class UnregisteredPytreeTypeRewrite(torch.nn.Module):
    """
    The dataclass is registered: export flattens Detections into its two
    tensors and the exported program rebuilds it on output.
    """

    def __init__(self):
        super().__init__()
        self.box = torch.nn.Linear(8, 4)
        self.cls = torch.nn.Linear(8, 2)

    def forward(self, x):
        return Detections(boxes=self.box(x), scores=self.cls(x))
