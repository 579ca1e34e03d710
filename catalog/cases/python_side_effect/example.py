import torch

STATS = {"calls": 0}


class PythonSideEffect(torch.nn.Module):
    """
    Python side effects in forward are not part of the exported program. The
    exported graph holds tensor operations only: this counter is updated while
    export traces forward, and never when the exported program runs. Keep
    such bookkeeping outside the module, or in a buffer updated in place.
    """

    def forward(self, x):
        STATS["calls"] += 1
        return x.relu()
