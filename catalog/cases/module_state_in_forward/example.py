import torch


class ModuleStateInForward(torch.nn.Module):
    """
    torch.export reads a module's state from what the module registers: its
    parameters, its buffers and its submodules. Everything else forward touches
    is traced as ordinary Python, and tensors found that way end up as constants
    of the exported program.

    Here the two blocks sit in a plain Python list, so nn.Module never registers
    them: their weights are not parameters of the model. The exported program
    keeps them as constant tensors, and state_dict(), .to() and an optimizer
    never see them. The same family of mistakes: creating a layer inside forward,
    moving the model or a submodule with .to() or .cuda() inside forward, and
    updating a parameter in place (directly or through .data) while tracing.
    """

    def __init__(self):
        super().__init__()
        self.blocks = [torch.nn.Linear(8, 8) for _ in range(2)]

    def forward(self, x):
        for block in self.blocks:
            x = torch.relu(block(x))
        return x
