import torch
import torch.export as te
from torch import nn
from torch.export import Dim, dims, export
from models import make_library_model


class Encoder(nn.Module):
    def __init__(self, dim: int = 16):
        super().__init__()
        self.proj = nn.Linear(dim, dim)

    def forward(self, x, mask=None):
        h = self.proj(x)
        if mask is not None:
            h = h * mask
        return h


class Pair(nn.Module):
    def forward(self, a, b):
        return a + b


class Single(nn.Module):
    def forward(self, xs):
        return xs[0] + xs[1]


class Wrapped(nn.Module):
    def forward(self, *inputs):
        return sum(inputs)


def export_single_tensor():
    x = torch.randn(4, 16)
    return export(Encoder(), x)  # want "example args x is not a tuple"


def export_parenthesised():
    x = torch.randn(4, 16)
    return torch.export.export(Encoder(), (x))  # want "example args \(x\) is not a tuple"


def export_inline_tensor():
    return te.export(Encoder().eval(), torch.randn(4, 16))  # want "example args torch.randn\(4, 16\) is not a tuple"


def export_list_matching():
    a, b = torch.randn(3), torch.randn(3)
    return export(Pair(), [a, b])  # want "example args \[a, b\] is a list, not a tuple"


def export_list_single_input():
    a, b = torch.randn(3), torch.randn(3)
    return export(Single(), [a, b])  # want "is a list, not a tuple"


def export_list_unknown_model(model):
    a = torch.randn(3)
    return export(model, [a])  # want "is a list, not a tuple"


def export_list_name():
    model = Pair()
    inputs = [torch.randn(3), torch.randn(3)]
    return export(model, inputs)  # want "example args inputs is bound to a list"


def export_list_comprehension():
    return export(Wrapped(), [torch.randn(2) for _ in range(3)], strict=False)  # want "is a list, not a tuple"


def export_keyword_args():
    x = torch.randn(4, 16)
    return export(mod=Encoder(), args=x)  # want "example args x is not a tuple"


def export_dict_args():
    return export(Encoder(), {"x": torch.randn(4, 16)})  # want "example args .* is not a tuple"


def export_bad_keys():
    model = Encoder().eval()
    x = torch.randn(4, 16)
    batch = Dim("batch", min=1, max=64)
    return export(model, (x,), dynamic_shapes={"input": {0: batch}})  # want "dynamic_shapes key \"input\" is not a parameter of Encoder.forward \(x, mask\)"


def export_bad_key_one_param():
    model = Single()
    xs = [torch.randn(3), torch.randn(3)]
    return export(model, (xs,), dynamic_shapes={'inputs': [{0: Dim("n")}, {0: Dim("n")}]})  # want "dynamic_shapes key \"inputs\" is not a parameter of Single.forward \(xs\)"


def export_bad_keys_variable():
    model = Pair()
    shapes = {"a": {0: Dim("n")}, "y": None}  # want "dynamic_shapes key \"y\" is not a parameter of Pair.forward \(a, b\)"
    return export(model, (torch.randn(3), torch.randn(3)), dynamic_shapes=shapes)


# Dim names and bounds

batch_size = Dim("batch size", max=32)  # want "Dim name \"batch size\" is not a valid Python identifier"
seq = torch.export.Dim("seq-len")  # want "Dim name \"seq-len\" is not a valid Python identifier"
first = Dim("0th")  # want "Dim name \"0th\" is not a valid Python identifier"
h, w = dims("height", "width px", min=1, max=512)  # want "Dim name \"width px\" is not a valid Python identifier"
inverted = Dim("inverted", min=64, max=8)  # want "Dim \"inverted\" has min=64 greater than max=8"
pinned = Dim("pinned", min=4, max=4)  # want "Dim \"pinned\" has min=4 equal to max=4"
nothing = Dim("nothing", max=0)  # want "Dim \"nothing\" has max=0: max must be greater than min"


# Near misses: none of these is reported.

def export_tuple_variable():
    model = Encoder()
    example = (torch.randn(4, 16),)
    return export(model, example, dynamic_shapes={"x": {0: Dim("batch")}})


def export_parenthesised_tuple_variable():
    example = (torch.randn(4, 16),)
    return export(Encoder(), (example))


def export_tuple_call(xs):
    return export(Encoder(), tuple(xs))


def export_from_helper(make_inputs):
    return export(Encoder(), make_inputs())


def export_param(inputs):
    return export(Encoder(), inputs)


def export_reassigned():
    x = torch.randn(4, 16)
    x = (x,)
    return export(Encoder(), x)


def export_split():
    return export(Pair(), torch.randn(6).split(3))


def export_size():
    return export(Encoder(), torch.Size([4, 16]))


def export_kwargs_key():
    x = torch.randn(4, 16)
    mask = torch.ones(4, 16)
    # mask is a parameter of forward, passed as a keyword input
    return export(Encoder(), (x,), kwargs={"mask": mask}, dynamic_shapes={"x": {0: Dim("b")}, "mask": {0: Dim("b")}})


def export_tuple_shapes():
    return export(Pair(), (torch.randn(3), torch.randn(3)), dynamic_shapes=({0: Dim("n")}, None))


def export_variadic():
    return export(Wrapped(), (torch.randn(2),), dynamic_shapes={"inputs": ({0: Dim("n")},)})


def export_unknown_model(model):
    return export(model, (torch.randn(3),), dynamic_shapes={"anything": None})  # want "exportdb cannot tell which nn.Module class model is \(a parameter of export_unknown_model\)"


def export_unknown_model_static(model):
    return export(model, (torch.randn(3),))


def export_model_from_library():
    return export(make_library_model(), (torch.randn(3),), dynamic_shapes=({0: Dim("n")},))  # want "cannot tell which nn.Module class make_library_model\(\) is \(built by a call"


def export_keys_not_literal(name):
    return export(Encoder(), (torch.randn(4, 16),), dynamic_shapes={name: {0: Dim("b")}})  # want "exportdb cannot read dynamic_shapes=\{name: \{0: Dim\(\"b\"\)\}\}"


def spec_from_function(make_specs):
    return export(Encoder(), (torch.randn(4, 16),), dynamic_shapes=make_specs())  # want "exportdb cannot read dynamic_shapes=make_specs\(\) .*Encoder's code are judged as if no dims were declared"


def spec_axis_parameter(batch):
    return export(Encoder(), (torch.randn(4, 16),), dynamic_shapes={"x": {0: batch}})  # want "exportdb cannot read what batch declares of x.shape\[0\]"


def spec_tuple_too_long():
    return export(Pair(), (torch.randn(3), torch.randn(3)), dynamic_shapes=({0: Dim("n")}, None, None))  # want "dynamic_shapes has 3 entries but the call passes 2 example inputs"


def spec_tuple_with_kwargs():
    return export(Encoder(), (torch.randn(4, 16),), kwargs={"mask": torch.ones(4, 16)}, dynamic_shapes=({0: Dim("b")}, None))


def spec_string_axis():
    return export(Encoder(), (torch.randn(4, 16),), dynamic_shapes={"x": {"0": Dim("b")}})  # want "axis key \"0\" of x's dynamic shape is a string"


def spec_axis_beyond_rank():
    return export(Encoder(), (torch.randn(4, 16),), dynamic_shapes={"x": {2: Dim("b")}})  # want "axis 2 of x's dynamic shape does not exist: the example input torch.randn\(4, 16\) has 2 dims"


def spec_negative_axis():
    return export(Encoder(), (torch.randn(4, 16),), dynamic_shapes={"x": {-1: Dim("d"), -2: Dim("b")}})


def spec_axis_nested():
    b = Dim("b")
    return export(Encoder(), (torch.randn(4, 16),), dynamic_shapes={"x": {0: {0: b}}})  # want "x's dynamic shape nests \{0: b\} under an axis: a tensor's axis takes one Dim \(or None\), not a dict"


def spec_tuple_rank():
    return export(Encoder(), (torch.randn(4, 16),), dynamic_shapes={"x": (Dim("b"), None, None)})  # want "x's dynamic shape lists 3 axes but the example input torch.randn\(4, 16\) has 2 dims"


def spec_whole_tensor_dim():
    return export(Encoder(), (torch.randn(4, 16),), dynamic_shapes={"x": Dim("b")})  # want "x's dynamic shape is a single Dim"


def spec_list_input():
    # a list input nests one spec per element: not a wrong nesting
    xs = [torch.randn(4), torch.randn(4)]
    return export(Single(), (xs,), dynamic_shapes={"xs": [{0: Dim("n")}, {0: Dim("n")}]})


fine = Dim("fine_name", min=1, max=2048)
dynamic = Dim.DYNAMIC
computed = Dim("computed", min=lo, max=hi)
only_min = Dim("only_min", min=-1)
dotted_ok = Dim("ok", min=0, max=1)
f_string = Dim(f"dim {lo}")
