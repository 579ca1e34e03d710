import torch


class Encoder(torch.nn.Module):
    def forward(self, x):
        return torch.relu(x)


class ModuleHook(torch.nn.Module):
    """
    A forward hook that captures a submodule's output. torch.export calls the
    encoder once while it traces, so the hook runs once, at export time, and
    stores what export traced with. The exported program is a flat graph with no
    modules and no hooks: features is never filled when it runs, and removing
    the hook afterwards no longer changes anything. Return the features from
    forward instead.
    """

    def __init__(self):
        super().__init__()
        self.encoder = Encoder()
        self.features = {}
        self.encoder.register_forward_hook(self._save)

    def _save(self, module, args, output):
        self.features["encoder"] = output

    def forward(self, x):
        return self.encoder(x) * 2
