import torch


class UncheckedDataDependentValue(torch.nn.Module):
    """
    Numbers read out of a tensor with .tolist() (or .item(), or the length of
    a nonzero() result) are unknown while export traces. Reshaping with them
    makes export ask whether each one is -1, the "infer this size" marker of
    view, and it cannot answer. A torch._check bound on each value, placed
    before the use, answers the question and is kept as a runtime assertion.
    """

    def forward(self, x, shape):
        rows, cols = shape.tolist()
        return x.view(rows, cols)
