import torch


class PythonSideEffectRewrite(torch.nn.Module):
    def __init__(self):
        super().__init__()
        # A buffer updated in place is state the exported program carries and mutates.
        self.register_buffer("calls", torch.zeros((), dtype=torch.long))

    def forward(self, x):
        self.calls.add_(1)
        return x.relu()
