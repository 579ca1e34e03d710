import torch


class AutogradInForward(torch.nn.Module):
    """
    Gradients computed inside forward. Force fields and physics-informed
    networks often return the gradient of an energy with respect to the input,
    computed with torch.autograd.grad in forward. torch.export captures the
    forward computation only: strict mode cannot trace autograd calls at all,
    and non-strict mode, which runs forward on fake tensors, fails unless what
    is differentiated requires grad. Keep the gradient outside the exported
    forward and differentiate the exported module instead.
    """

    def __init__(self):
        super().__init__()
        self.energy = torch.nn.Linear(3, 1)

    def forward(self, pos):
        pos = pos.detach().requires_grad_()
        energy = self.energy(pos).sum()
        forces = -torch.autograd.grad(energy, pos, create_graph=True)[0]
        return energy, forces
