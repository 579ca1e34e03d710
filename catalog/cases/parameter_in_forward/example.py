import torch


class ParameterInForward(torch.nn.Module):
    """
    A parameter created inside forward. torch.export reads a module's
    parameters and buffers from what the module registers, and expects them to
    exist before it traces. The gate below is created on every call: the
    exported program computes it in the graph (torch.ones each time), it is not
    a parameter of the program, and state_dict() has no entry for it, so
    training or loading weights never reaches it. Create it once, in __init__.
    """

    def forward(self, x):
        gate = torch.nn.Parameter(torch.ones(x.shape[-1]))
        return x * gate
