import torch
import torch as T
import torch.nn.functional as F
from torch import nn


class UserInputMutation(torch.nn.Module):
    """The ExportDB example."""

    def forward(self, x):
        x.mul_(2)  # want:information "in-place mul_\(\) mutates forward input x; export records it as a user-input mutation"
        return x.cos()


class Block(nn.Module):
    """Instantiated by Net below: its inputs are Net's intermediate tensors."""

    def __init__(self, dim: int):
        super().__init__()
        self.lin = nn.Linear(dim, dim)

    def forward(self, x):
        x += self.lin(x)  # a submodule's input: not an input of the exported program
        return x


class Net(nn.Module):
    def __init__(self, dim: int = 4):
        super().__init__()
        self.blocks = nn.ModuleList([Block(dim) for _ in range(2)])
        self.register_buffer("steps", torch.zeros(1))

    def forward(self, x, y: torch.Tensor, mask, scale: float = 1.0, *rest):
        x += 1  # want "\+= mutates forward input x"
        y[mask] = 0.0  # want "item assignment mutates forward input y"
        y[0] += 1  # want "item \+= mutates forward input y"
        mask.logical_not_()  # want "in-place logical_not_\(\) mutates forward input mask"
        flat = y.view(-1)
        flat.zero_()  # want "in-place zero_\(\) mutates forward input y through flat"
        row = x[0]
        row.copy_(flat[:4])  # want "in-place copy_\(\) mutates forward input x through row"
        T.relu_(x)  # want "relu_\(\) mutates forward input x"
        F.relu(y, inplace=True)  # want "relu\(inplace=True\) mutates forward input y"
        torch.add(x, 1, out=y)  # want "out= mutates forward input y"
        rest[0].add_(1)  # want "in-place add_\(\) mutates forward input rest"
        scale += 1.0  # a float
        x[mask].zero_()  # advanced indexing copies: the copy is mutated
        self.steps.add_(1)  # a buffer
        z = torch.zeros_like(x)
        z.add_(x)  # a local tensor
        x.requires_grad_(False)  # a flag, not data
        for blk in self.blocks:
            x = blk(x)
        x.add_(1)  # x was rebound above: no longer the input
        return x, y, z


class Cloned(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Linear(4, 4)

    def forward(self, x):
        x = x.clone()
        x.mul_(2)  # a copy of the input
        out = self.net(x)
        out.relu_()  # a local tensor
        return out


class ContainerInputs(nn.Module):
    """Writes to dict and list inputs are input_container_mutation's, not this rule's."""

    def forward(self, x, inputs: dict, cache: list, batch, **kwargs):
        kwargs["seen"] = True  # the dict Python built for this call
        inputs["y"] = x
        cache += [x]
        batch["mask"] = x > 0
        cache[0].add_(1)  # want "in-place add_\(\) mutates forward input cache"
        return x


def script(x):
    x.mul_(2)  # script code: not traced
    return x
