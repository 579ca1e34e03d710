import torch


class DataDependentOutputShape(torch.nn.Module):
    """
    Boolean-mask indexing, nonzero(), unique(), masked_select() and
    repeat_interleave() with a tensor of repeats return tensors whose length
    depends on the values of their input. Export traces them with an unbacked
    size: a symbol it knows is not negative, and nothing more. Tensor
    operations on the result stay in the graph, as the sum here does. Python
    code that needs the length as a number does not: a for loop over the
    result, tolist(), or (in non-strict mode) a Python slice bounded by its
    length make export fail.
    """

    def forward(self, x):
        return x[x > 0].sum()
