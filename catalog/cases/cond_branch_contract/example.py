import torch


class CondBranchContract(torch.nn.Module):
    """
    torch.cond traces both branches and returns the output of the one the
    predicate picks, so the exported program has to describe that output
    before it knows which branch runs. Both branches must therefore return
    the same number of tensors, each with the same shape and dtype, and a
    length that depends on the data is not a known shape. A branch must also
    be free of side effects: it may compute with its operands and return the
    result, but not change the module's state, a list of the caller, or a
    global.

    Here the true branch returns a float tensor and the false branch a
    boolean one.
    """

    def forward(self, x):
        def true_fn(x):
            return x * 2

        def false_fn(x):
            return x > 0

        return torch.cond(x.sum() > 0, true_fn, false_fn, (x,))
