import torch


class HostRoundTripRewrite(torch.nn.Module):
    def forward(self, x):
        # The same computation in torch operations: a 0-d tensor, traced into the graph.
        peak = x.detach().abs().max()
        return x / peak
