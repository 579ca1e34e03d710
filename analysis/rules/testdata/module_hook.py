import torch
from torch import nn
from torch.nn.modules.module import register_module_forward_hook


class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(8, 8)

    def forward(self, x):
        return torch.relu(self.proj(x))


class Net(nn.Module):
    """Activation capture and input checks through hooks, set up in __init__."""

    def __init__(self):
        super().__init__()
        self.encoder = Encoder()
        self.layers = nn.ModuleList([nn.Linear(8, 8) for _ in range(2)])
        self.head = nn.Linear(8, 2)
        self.features = {}
        self.encoder.register_forward_hook(self._save)  # want:warning "forward hook registered on submodule self.encoder of Net in Net.__init__: export runs it once while tracing"
        self.register_forward_pre_hook(self._check)  # want:error "forward pre-hook registered on Net itself in Net.__init__: strict export has been reported to fail on a hook of the exported module itself"
        self.head.register_full_backward_hook(self._grad)  # want:error "backward hook registered on submodule self.head of Net in Net.__init__: strict export fails on modules with backward hooks"
        self._attach()

    def _attach(self):
        for layer in self.layers:
            layer.register_forward_hook(self._save)  # want "forward hook registered on each module of self.layers of Net in Net._attach"
        for name, m in self.named_modules():
            m.register_forward_pre_hook(self._check)  # want "forward pre-hook registered on each module of self.named_modules\(\) of Net in Net._attach"

    def _save(self, module, args, output):
        self.features[id(module)] = output

    def _check(self, module, args):
        assert args[0].dim() == 2

    def _grad(self, module, grad_in, grad_out):
        return grad_in

    def forward(self, x):
        self.layers[0].register_forward_hook(self._save)  # want "forward hook registered on submodule self.layers\[0\] of Net in Net.forward, in code export traces"
        for layer in self.layers:
            x = layer(x)
        return self.head(self.encoder(x))


def export_with_hooks():
    model = Net().eval()
    stats = []
    model.encoder.proj.register_forward_hook(lambda m, a, o: stats.append(o.mean()))  # want "forward hook registered on model.encoder.proj, a submodule of Net, which torch.export.export exports below"
    model.register_forward_hook(lambda m, a, o: o)  # want:error "forward hook registered on model \(Net\), which torch.export.export exports below"
    for sub in model.modules():
        sub.register_full_backward_pre_hook(lambda m, g: g)  # want "backward pre-hook registered on each module of model.modules\(\)"
    register_module_forward_hook(lambda m, a, o: None)  # want "global forward hook registered before torch.export.export: it affects every module"
    return torch.export.export(model, (torch.randn(2, 8),), strict=True)


# Cross-file: a model imported from another module and hooked here is reported already (the
# hook and the export are in this file); hooks registered inside another file's model class
# are followed once the semantic model lands.


# Near misses: none of these is reported.


class Debuggable(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Linear(4, 4)

    def register_debug_hooks(self):
        # nothing in the file calls this from __init__: the user may never call it
        return self.body.register_forward_hook(lambda m, a, o: print(o.shape))

    def forward(self, x):
        return self.body(x)


def removed_before_export():
    model = Debuggable()
    handle = model.body.register_forward_hook(lambda m, a, o: None)
    model(torch.randn(1, 4))
    handle.remove()
    return torch.export.export(model, (torch.randn(1, 4),))


def hooked_but_not_exported():
    model = Debuggable()
    model.body.register_forward_hook(lambda m, a, o: None)
    return model(torch.randn(1, 4))


def exported_before_hook():
    model = Debuggable()
    ep = torch.export.export(model, (torch.randn(1, 4),))
    model.register_forward_hook(lambda m, a, o: None)  # after the export
    return ep


def other_model_exported():
    probe = Debuggable()
    model = Debuggable()
    probe.register_forward_hook(lambda m, a, o: None)  # probe is not exported
    return torch.export.export(model, (torch.randn(1, 4),))


class Plain:
    def __init__(self, model):
        model.register_forward_hook(lambda m, a, o: None)  # not a module class


x = torch.randn(2)
x.register_hook(lambda g: g)  # a tensor hook, not a module hook


class Broken(nn.Module):
    def __init__(self):
        self.head.register_forward_hook(  # broken code: no crash
