import torch


class AutogradInForwardRewrite(torch.nn.Module):
    """
    Export the energy only; compute the forces around the exported program,
    whose module() autograd differentiates like any module:

        ep = torch.export.export(AutogradInForwardRewrite(), (pos,))
        pos = pos.detach().requires_grad_()
        energy = ep.module()(pos)
        forces = -torch.autograd.grad(energy, pos)[0]
    """

    def __init__(self):
        super().__init__()
        self.energy = torch.nn.Linear(3, 1)

    def forward(self, pos):
        return self.energy(pos).sum()
