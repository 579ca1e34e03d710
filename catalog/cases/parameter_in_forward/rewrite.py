import torch


class ParameterInForwardRewrite(torch.nn.Module):
    """
    The gate is created once, in __init__: a parameter of the model and of the
    exported program.
    """

    def __init__(self, dim: int = 8):
        super().__init__()
        self.gate = torch.nn.Parameter(torch.ones(dim))

    def forward(self, x):
        return x * self.gate
