import torch


class UncheckedDataDependentValueRewrite(torch.nn.Module):
    def forward(self, x, shape):
        rows, cols = shape.tolist()
        # Both bounds hold for every valid shape; export records them as
        # runtime assertions and no longer needs to ask whether a size is -1.
        torch._check(rows >= 0)
        torch._check(cols >= 0)
        return x.view(rows, cols)
