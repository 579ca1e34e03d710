import torch
from torch.export import dynamic_dim, export


class DeprecatedExportApi(torch.nn.Module):
    """
    torch.export's first releases spelled several things differently from
    today's API. Dynamic dimensions were declared by passing a list of
    dynamic_dim(tensor, index) constraints as constraints=, an argument that
    was deprecated in favour of dynamic_shapes= with torch.export.Dim and then
    removed. Code written for those releases also uses torch._dynamo.export,
    torch._constrain_as_size and torch._constrain_as_value, and imports cond
    and map from functorch.experimental.control_flow.
    """

    def forward(self, x):
        return torch.relu(x) + 1


def export_model():
    x = torch.randn(4, 8)
    return export(DeprecatedExportApi(), (x,), constraints=[dynamic_dim(x, 0)])
