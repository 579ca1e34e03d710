from dataclasses import dataclass

import torch


@dataclass
class Detections:
    boxes: torch.Tensor
    scores: torch.Tensor


class UnregisteredPytreeType(torch.nn.Module):
    """
    forward returns a dataclass that is not registered with torch's pytree.
    torch.export flattens the inputs and outputs of the exported program into
    tensors and constants: tensors, primitives, lists, tuples, dicts and
    namedtuples are known, any other class must be registered. Export fails on
    the Detections output. Register the dataclass with
    torch.export.register_dataclass(Detections).
    """

    def __init__(self):
        super().__init__()
        self.box = torch.nn.Linear(8, 4)
        self.cls = torch.nn.Linear(8, 2)

    def forward(self, x):
        return Detections(boxes=self.box(x), scores=self.cls(x))
