import torch


class TensorToPythonRewrite(torch.nn.Module):
    def forward(self, x):
        # torch.sqrt is a tensor operation: it stays in the exported graph and
        # works on whatever value x.var() has when the program runs.
        return x / torch.sqrt(x.var())
