import torch


class ModuleStateInForwardRewrite(torch.nn.Module):
    """
    nn.ModuleList registers the blocks: their weights are parameters of the
    model and of the exported program.
    """

    def __init__(self):
        super().__init__()
        self.blocks = torch.nn.ModuleList([torch.nn.Linear(8, 8) for _ in range(2)])

    def forward(self, x):
        for block in self.blocks:
            x = torch.relu(block(x))
        return x
