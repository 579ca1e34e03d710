import torch


class DataDependentBranch(torch.nn.Module):
    """
    A Python if on the value of a tensor cannot be traced. Export knows the
    shapes of the example inputs but treats their contents as unknown, so it
    cannot tell which branch to follow. Branch with torch.cond instead, which
    keeps both branches in the graph, or with torch.where when the choice is
    made element by element.
    """

    def forward(self, x):
        if x.mean() > 0.5:
            return x * 2
        return x - 1
