import numpy as np
import torch


class HostRoundTrip(torch.nn.Module):
    """
    Copying tensor data out of torch (to NumPy with .numpy(), or to a Python
    number with float(), int() or bool()) cannot be traced: while export runs
    forward the tensors carry shapes but no values. Keep the computation in
    torch operations so that it becomes part of the exported graph.
    """

    def forward(self, x):
        peak = np.abs(x.detach().cpu().numpy()).max()
        return x / float(peak)
