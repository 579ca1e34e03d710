import torch


class DataDependentOutputShapeRewrite(torch.nn.Module):
    def forward(self, x):
        # The same sum with a static shape: the masked-out elements count as zero.
        # No unbacked size enters the graph, which backends with static memory
        # planning need.
        return torch.where(x > 0, x, 0).sum()
