import torch


class Encoder(torch.nn.Module):
    def forward(self, x):
        return torch.relu(x)


class ModuleHookRewrite(torch.nn.Module):
    """
    forward returns the encoder's output next to the result: the exported
    program computes and returns it on every call.
    """

    def __init__(self):
        super().__init__()
        self.encoder = Encoder()

    def forward(self, x):
        h = self.encoder(x)
        return h * 2, h
